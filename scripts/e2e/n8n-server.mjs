// A long-running n8n (`n8n start`, `n8n worker`) driven through its REST API, the way the editor
// drives it: owner set-up, manual runs (`POST /rest/workflows/:id/run`), execution records
// (`GET /rest/executions/:id`, flatted) and binary data (`GET /rest/binary-data`). Used by the e2e
// passes on n8n's defaults (n8n 2.x) and in queue mode.
//
//   const main = await startN8nProcess(env, 'start');              // waits for /healthz
//   const api = await N8nApi.setUp(main.url);                      // owner account + login cookie
//   const { executionId } = await api.runManually(workflowId, 'When clicking Execute');
//   const execution = await api.waitForExecution(executionId);     // { status, run, ... }
//   await main.stop();

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { cleanBaseEnv, freeLoopbackPort } from './n8n-cli.mjs';

const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 60_000;
export const EXECUTION_TIMEOUT_MS = 300_000;
const OWNER = { email: 'e2e-owner@example.invalid', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' };
// The n8n-auth cookie is bound to the browser-id header it was issued with.
const BROWSER_ID = 'n8n-nodes-agora-chat-e2e';

/**
 * Starts `n8n start` (role 'start') or `n8n worker` (role 'worker') with the env of createN8nEnv,
 * each on its own free loopback ports; its output goes to `<userFolder>/<name>.log` (and stays in
 * memory, see `output()`). Resolves once the main answers /healthz, or once a worker says it is ready.
 */
export async function startN8nProcess(env, role, { name = role, extraVars = {}, args = [] } = {}) {
	const port = extraVars.N8N_PORT ? Number(extraVars.N8N_PORT) : await freeLoopbackPort();
	const vars = {
		...env.vars,
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(await freeLoopbackPort()),
		QUEUE_HEALTH_CHECK_PORT: String(await freeLoopbackPort()),
		N8N_SECURE_COOKIE: 'false',
		...extraVars,
	};
	const logFile = path.join(env.userFolder, `${name}.log`);
	const log = fs.openSync(logFile, 'a');
	const child = spawn(env.nodeBin, [env.n8nBin, role, ...args], {
		cwd: env.userFolder,
		env: { ...cleanBaseEnv(), ...vars },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true, // own process group: stop() also ends its task runners
	});
	const chunks = [];
	const onData = (chunk) => {
		chunks.push(chunk);
		fs.writeSync(log, chunk);
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	const output = () => Buffer.concat(chunks).toString('utf8');
	let exited = null;
	const exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
	const killGroup = (signal) => {
		try {
			process.kill(-child.pid, signal);
		} catch {
			/* already gone */
		}
	};
	const onParentExit = () => killGroup('SIGKILL');
	process.once('exit', onParentExit);
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		process.removeListener('exit', onParentExit);
		if (!exited) {
			killGroup('SIGTERM');
			const timer = setTimeout(() => killGroup('SIGKILL'), STOP_TIMEOUT_MS);
			await exitedPromise;
			clearTimeout(timer);
		}
		killGroup('SIGKILL'); // leftovers of the group (a task runner), if any
		fs.closeSync(log);
		return exited;
	};
	const handle = { role, name, url, port, pid: child.pid, logFile, output, stop, exited: () => exited };

	const deadline = Date.now() + START_TIMEOUT_MS;
	for (;;) {
		if (exited) {
			await stop();
			throw new Error(`n8n ${role} (${name}) exited ${exited.code ?? exited.signal} while starting:\n${output().split('\n').slice(-30).join('\n')}`);
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n ${role} (${name}) did not get ready within ${START_TIMEOUT_MS / 1000} s:\n${output().split('\n').slice(-30).join('\n')}`);
		}
		if (role === 'worker' ? /n8n worker is now ready/.test(output()) : await healthy(url)) return handle;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

async function healthy(url) {
	try {
		const response = await fetch(`${url}/healthz/readiness`, { signal: AbortSignal.timeout(5_000) });
		return response.ok;
	} catch {
		return false;
	}
}

/** The flatted parser of the n8n install itself (execution data is stored in that format). */
function flattedOf(env) {
	const require = createRequire(path.join(path.dirname(env.n8nBin), '..', 'package.json'));
	return require('flatted');
}

export class N8nApi {
	constructor(url, cookie, env) {
		this.url = url;
		this.cookie = cookie;
		this.flatted = flattedOf(env);
	}

	/** Creates the owner account (a fresh instance) or logs in (an instance already set up). */
	static async setUp(url, env, owner = OWNER) {
		let response = await fetch(`${url}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': BROWSER_ID },
			body: JSON.stringify(owner),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		if (!response.ok) {
			response = await fetch(`${url}/rest/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'browser-id': BROWSER_ID },
				body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
		}
		if (!response.ok) throw new Error(`n8n owner set-up and login failed: ${response.status} ${await response.text()}`);
		const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n owner set-up answered without an n8n-auth cookie');
		return new N8nApi(url, cookie, env);
	}

	/** setUp once the REST routes are there: n8n 1.x answers /healthz before it mounts them, so ask again for a while. */
	static async setUpWhenReady(url, env, waitMs = 60_000) {
		const deadline = Date.now() + waitMs;
		for (;;) {
			try {
				return await N8nApi.setUp(url, env);
			} catch (error) {
				if (Date.now() > deadline || !/ 404 /.test(error.message)) throw error;
				await new Promise((resolve) => setTimeout(resolve, 1000));
			}
		}
	}

	async request(method, route, body, { raw = false } = {}) {
		const send = () =>
			fetch(`${this.url}/rest/${route}`, {
				method,
				headers: { cookie: this.cookie, 'browser-id': BROWSER_ID, ...(body ? { 'content-type': 'application/json' } : {}) },
				body: body ? JSON.stringify(body) : undefined,
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
		// A GET whose connection broke before any answer ("fetch failed": a kept-alive socket the
		// server closed, on a loaded machine) is asked once more; a dead n8n fails the second time too.
		const response = await send().catch(async (error) => {
			if (method !== 'GET' || !(error instanceof TypeError)) throw error;
			console.log(`# n8n GET /rest/${route}: ${error.message} (${error.cause?.code ?? error.cause?.message ?? 'no cause'}), asked again`);
			return await send();
		});
		if (!response.ok) throw new Error(`n8n ${method} /rest/${route}: ${response.status} ${(await response.text()).slice(0, 500)}`);
		if (raw) return Buffer.from(await response.arrayBuffer());
		const json = await response.json();
		return json && typeof json === 'object' && 'data' in json ? json.data : json;
	}

	/** A manual run from the named trigger, as the editor's Execute Workflow button starts it (n8n 1.x: with the workflow). */
	async runManually(workflowId, triggerName, workflowData) {
		const result = await this.request('POST', `workflows/${workflowId}/run`, { triggerToStartFrom: { name: triggerName }, ...(workflowData ? { workflowData } : {}) });
		if (!result?.executionId) throw new Error(`n8n did not start workflow ${workflowId}: ${JSON.stringify(result)}`);
		return result;
	}

	/** The execution record with its run data parsed: `{ id, status, finished, mode, run }` (run: an IRun). */
	async getExecution(executionId) {
		const record = await this.request('GET', `executions/${executionId}`);
		const data = typeof record.data === 'string' ? this.flatted.parse(record.data) : record.data;
		return { ...record, run: { data, status: record.status, mode: record.mode, finished: record.finished, startedAt: record.startedAt, stoppedAt: record.stoppedAt } };
	}

	async waitForExecution(executionId, { timeoutMs = EXECUTION_TIMEOUT_MS } = {}) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const execution = await this.getExecution(executionId);
			if (!['new', 'running', 'waiting', 'unknown'].includes(execution.status) && execution.stoppedAt) return execution;
			if (Date.now() > deadline) throw new Error(`execution ${executionId} still "${execution.status}" after ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 300));
		}
	}

	/** The bytes of a binary property as n8n's editor downloads them (any binary data mode). */
	async readBinary(binary) {
		if (!binary?.id) return Buffer.from(binary?.data ?? '', 'base64');
		return await this.request('GET', `binary-data?id=${encodeURIComponent(binary.id)}&action=download`, undefined, { raw: true });
	}
}
