// Helpers around a real n8n CLI (installed by ./n8n-install.mjs): environment, credential and
// workflow import, and `n8n execute --id=<id> --rawOutput` with its output parsed.
//
//   const install = await ensureN8n({ version: '2.41.1' });
//   const env = createN8nEnv({ version: install.version, install, userFolder, customExtensions: [distDir] });
//   await importCredentials(env, [{ id: 'cred1', name: 'X', type: 'agoraChatApi', data: { ... } }]);
//   const id = await importWorkflow(env, workflowJson);
//   const run = await executeWorkflow(env, id);          // parsed IRun JSON, throws N8nExecuteError
//   nodeOutputJson(run, 'My Node')                        // -> [{...}, ...] (json of each item)
//
// Every spawned process has a timeout and is killed with its whole process group when it expires.
// Plain ESM JavaScript on purpose: n8n's lint rules forbid child_process/fs in the package's .ts.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, repoRoot } from './n8n-install.mjs';

/** Fixed key: credentials imported with it can be decrypted by the later `execute` in the same folder. */
export const E2E_ENCRYPTION_KEY = 'n8n-nodes-agora-chat-e2e-not-a-secret-0001';
export const DEFAULT_TIMEOUT_MS = {
	import: 180_000,
	execute: 300_000,
};

/** Node `type` of a node loaded from N8N_CUSTOM_EXTENSIONS or ~/.n8n/custom (both versions). */
export function customNodeType(descriptionName) {
	return `CUSTOM.${descriptionName}`;
}

/**
 * Copies a built community package (package.json + dist/) to a folder outside the repo, so that
 * `require('n8n-workflow')` in its code resolves to n8n's own copy (through the NODE_PATH n8n sets)
 * rather than to the repo's devDependency. Returns the staged package folder; point
 * N8N_CUSTOM_EXTENSIONS at `<returned>/dist`.
 */
export function stagePackage({ packageDir = repoRoot, destRoot }) {
	const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
	const dist = path.join(packageDir, 'dist');
	if (!fs.existsSync(dist)) throw new Error(`${dist} does not exist: build the package first`);
	const dest = path.join(destRoot, pkg.name);
	fs.rmSync(dest, { recursive: true, force: true });
	fs.mkdirSync(dest, { recursive: true });
	fs.copyFileSync(path.join(packageDir, 'package.json'), path.join(dest, 'package.json'));
	fs.cpSync(dist, path.join(dest, 'dist'), { recursive: true });
	return dest;
}

function installedFromCache(version) {
	const dir = path.join(cacheRoot, `n8n-${version}`);
	let marker;
	try {
		marker = JSON.parse(fs.readFileSync(path.join(dir, '.install-complete.json'), 'utf8'));
	} catch {
		throw new Error(`n8n ${version} is not installed in ${dir}: run node scripts/e2e/n8n-install.mjs ${version}`);
	}
	return { n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'), nodeBin: marker.nodeBin, nodeVersion: marker.nodeVersion, version };
}

/**
 * Environment for running one n8n instance headless, offline and quiet.
 * @param {{ version: string, userFolder: string, customExtensions?: string[],
 *           install?: { n8nBin: string, nodeBin: string, nodeVersion?: string }, logLevel?: string,
 *           expressionEngine?: 'auto'|'legacy'|'vm'|null, extraEnv?: Record<string,string> }} opts
 *   expressionEngine: 'auto' by default: n8n's own default where it loads, 'legacy' where it cannot (below); null: n8n's default.   (install: what ensureN8n returned; default: read from .cache)
 * @returns {{ version: string, major: number, userFolder: string, n8nBin: string, nodeBin: string, vars: Record<string,string> }}
 *   `vars` are the environment variables set on top of a cleaned process.env (see runN8n).
 */
export function createN8nEnv({ version, userFolder, customExtensions = [], install, logLevel = 'info', expressionEngine = 'auto', extraEnv = {} }) {
	if (!version) throw new Error('createN8nEnv: version is required');
	if (!userFolder) throw new Error('createN8nEnv: userFolder is required');
	const { n8nBin, nodeBin, nodeVersion } = install ?? installedFromCache(version);
	const nodeMajor = Number(String(nodeVersion ?? process.version).replace(/^v/, '').split('.')[0]);
	const major = Number(version.split('.')[0]);
	userFolder = path.resolve(userFolder);
	fs.mkdirSync(userFolder, { recursive: true });
	const vars = {
		PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: E2E_ENCRYPTION_KEY,
		// `;`-separated; each folder is globbed for **/*.node.js and **/*.credentials.js.
		N8N_CUSTOM_EXTENSIONS: customExtensions.map((p) => path.resolve(p)).join(';'),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_LOG_LEVEL: logLevel,
		N8N_LOG_OUTPUT: 'console',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		NO_COLOR: '1',
		FORCE_COLOR: '0',
		// Loopback only: n8n's outgoing requests go straight to our local servers, never via a proxy.
		NO_PROXY: '127.0.0.1,localhost,::1',
		no_proxy: '127.0.0.1,localhost,::1',
	};
	if (major < 2) {
		// 1.x: in-process Code node (2.x always uses task runners and warns that this variable is obsolete),
		// and the pooled SQLite driver (silences the 1.x deprecation warning).
		vars.N8N_RUNNERS_ENABLED = 'false';
		vars.DB_SQLITE_POOL_SIZE = '2';
		vars.N8N_BLOCK_ENV_ACCESS_IN_NODE = 'false';
		vars.N8N_GIT_NODE_DISABLE_BARE_REPOS = 'true';
	}
	// Expression engine. n8n 2.41.1 and 1.123.x both default to 'vm' (isolated-vm). 'auto' (the default
	// here) leaves n8n's default wherever it can load, and sets 'legacy' only where it cannot:
	//  - 1.123.x on Node 20: isolated-vm 6 needs Node >= 22, so import:workflow and execute crash with
	//    "Could not initialize the vm expression engine".
	// Known and left visible: with 'vm', `n8n execute` (2.40.7 and 2.41.1 on Node 24) sometimes dies with
	// SIGSEGV at exit, after printing the run JSON (1 in 12 runs of 2.41.1 here); the e2e passes on 2.x use
	// `n8n start` and the REST API instead, where n8n's defaults run reliably.
	if (expressionEngine === 'auto') expressionEngine = nodeMajor < 22 ? 'legacy' : null;
	if (expressionEngine === 'vm' && nodeMajor < 22) {
		throw new Error(`expressionEngine 'vm' needs Node >= 22 (isolated-vm); n8n ${version} runs on Node ${nodeMajor} here`);
	}
	if (expressionEngine) vars.N8N_EXPRESSION_ENGINE = expressionEngine;
	Object.assign(vars, extraEnv);
	return { version, major, userFolder, n8nBin, nodeBin, vars };
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freeLoopbackPort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** process.env without anything that would reconfigure n8n behind our back. */
export function cleanBaseEnv() {
	const base = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|QUEUE_|EXECUTIONS_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_PATH$|E2E_TESTS$|npm_|HTTPS?_PROXY$|https?_proxy$)/.test(k)) continue;
		base[k] = v;
	}
	return base;
}

/**
 * Runs `node <n8n> ...args` with the env, cwd = userFolder (so no stray .env of the repo is read by
 * n8n's dotenv), stdin closed. Never rejects on a non-zero exit; rejects only if it cannot spawn.
 * @returns {Promise<{ code: number|null, signal: string|null, timedOut: boolean, stdout: string, stderr: string, ms: number }>}
 */
export async function runN8n(env, args, { timeoutMs = DEFAULT_TIMEOUT_MS.import } = {}) {
	const vars = { ...env.vars };
	if (env.major >= 2 && !vars.N8N_RUNNERS_BROKER_PORT) {
		// 2.x always starts a task broker (default 127.0.0.1:5679): a free port per process lets
		// several n8n commands run at once (and next to a running n8n).
		vars.N8N_RUNNERS_BROKER_PORT = String(await freeLoopbackPort());
	}
	return await new Promise((resolve, reject) => {
		const t0 = Date.now();
		const child = spawn(env.nodeBin, [env.n8nBin, ...args], {
			cwd: env.userFolder,
			env: { ...cleanBaseEnv(), ...vars },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true, // own process group, so a timeout also ends the task runner children
		});
		const out = [];
		const err = [];
		child.stdout.on('data', (b) => out.push(b));
		child.stderr.on('data', (b) => err.push(b));
		let timedOut = false;
		const kill = () => {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				/* already gone */
			}
		};
		const timer = setTimeout(() => {
			timedOut = true;
			kill();
		}, timeoutMs);
		const onParentExit = () => kill();
		process.once('exit', onParentExit);
		child.on('error', (e) => {
			clearTimeout(timer);
			process.removeListener('exit', onParentExit);
			reject(e);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			process.removeListener('exit', onParentExit);
			kill(); // leftovers of the group (e.g. a task runner) if any
			resolve({
				code,
				signal,
				timedOut,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				ms: Date.now() - t0,
			});
		});
	});
}

function describeFailure(what, r) {
	const tail = (s) => s.split('\n').slice(-25).join('\n');
	return `${what} ${r.timedOut ? 'timed out' : `exited ${r.code ?? r.signal}`} after ${r.ms} ms\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`;
}

function writeInputFile(env, name, value) {
	const dir = path.join(env.userFolder, 'e2e-input');
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, name);
	fs.writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o600 });
	return file;
}

/**
 * Imports credentials: an array of `{ id, name, type, data: {...} }` (data in clear text; n8n encrypts
 * it with N8N_ENCRYPTION_KEY on import). Ids are kept, so a workflow can refer to them as
 * `credentials: { <type>: { id, name } }`.
 */
export async function importCredentials(env, creds, { timeoutMs = DEFAULT_TIMEOUT_MS.import } = {}) {
	const file = writeInputFile(env, `credentials-${Date.now()}.json`, creds);
	try {
		const r = await runN8n(env, ['import:credentials', `--input=${file}`], { timeoutMs });
		if (r.code !== 0 || r.timedOut) throw new Error(describeFailure('n8n import:credentials', r));
		return r;
	} finally {
		fs.rmSync(file, { force: true });
	}
}

/**
 * Imports one workflow (an object with an explicit `id` of at most 21 characters, `name`, `nodes`,
 * `connections`) or an array of them. Returns the id (or ids).
 */
export async function importWorkflow(env, workflowJson, { timeoutMs = DEFAULT_TIMEOUT_MS.import } = {}) {
	const list = Array.isArray(workflowJson) ? workflowJson : [workflowJson];
	for (const wf of list) {
		if (!wf.id || String(wf.id).length > 21) throw new Error(`workflow "${wf.name}" needs an explicit id of at most 21 characters`);
	}
	const prepared = list.map((wf) => ({ active: false, settings: {}, pinData: {}, ...wf }));
	const file = writeInputFile(env, `workflow-${Date.now()}.json`, Array.isArray(workflowJson) ? prepared : prepared[0]);
	try {
		const r = await runN8n(env, ['import:workflow', `--input=${file}`], { timeoutMs });
		if (r.code !== 0 || r.timedOut) throw new Error(describeFailure('n8n import:workflow', r));
		return Array.isArray(workflowJson) ? list.map((w) => String(w.id)) : String(list[0].id);
	} finally {
		fs.rmSync(file, { force: true });
	}
}

/**
 * Extracts top-level JSON objects that `n8n execute` prints pretty-printed (a line that is exactly `{`
 * up to a line that is exactly `}`), skipping the log lines around them. Returns all that parse.
 */
export function extractJsonBlocks(text) {
	const lines = text.split(/\r?\n/);
	const blocks = [];
	for (let i = 0; i < lines.length; i++) {
		if (lines[i].trimEnd() !== '{') continue;
		for (let j = i + 1; j < lines.length; j++) {
			if (lines[j].trimEnd() !== '}') continue;
			try {
				blocks.push(JSON.parse(lines.slice(i, j + 1).join('\n')));
				i = j;
			} catch {
				/* a log line of exactly "}" inside? keep looking is not worth it: skip this block */
			}
			break;
		}
	}
	return blocks;
}

function looksLikeRun(o) {
	return o && typeof o === 'object' && o.data && o.data.resultData && typeof o.data.resultData === 'object';
}

export class N8nExecuteError extends Error {
	constructor(message, result) {
		super(message);
		this.name = 'N8nExecuteError';
		Object.assign(this, result);
	}
}

/**
 * Runs `n8n execute --id=<id> --rawOutput` and never throws on a failed run.
 * @returns {Promise<{ ok: boolean, exitCode: number|null, signal: string|null, timedOut: boolean, run?: object,
 *   errorMessage?: string, stdout: string, stderr: string, ms: number }>}
 *   `run` is the IRun JSON (`run.data.resultData.runData[<node name>][0].data.main[0]` holds items;
 *   `run.data.resultData.error` is set on a failed run).
 */
export async function executeWorkflowRaw(env, id, { timeoutMs = DEFAULT_TIMEOUT_MS.execute } = {}) {
	const r = await runN8n(env, ['execute', `--id=${id}`, '--rawOutput'], { timeoutMs });
	const runs = [...extractJsonBlocks(r.stdout), ...extractJsonBlocks(r.stderr)].filter(looksLikeRun);
	const run = runs[runs.length - 1];
	const resultError = run?.data?.resultData?.error;
	const ok = r.code === 0 && !r.timedOut && !!run && !resultError;
	r.signal ??= null;
	let errorMessage;
	if (!ok) {
		errorMessage =
			resultError?.message ??
			(r.timedOut ? `timed out after ${timeoutMs} ms` : undefined) ??
			(r.stdout + r.stderr).match(/The workflow with the id "[^"]*" does not exist\./)?.[0] ??
			(r.code === 0 && !run ? 'n8n execute printed no run JSON' : `n8n execute exited ${r.code ?? r.signal}`);
		if (run && !resultError && r.code !== 0) {
			errorMessage += ` after printing a successful run${r.signal === 'SIGSEGV' && env.vars.N8N_EXPRESSION_ENGINE !== 'legacy' ? " (the isolated-vm exit crash of N8N_EXPRESSION_ENGINE=vm: use 'legacy')" : ''}`;
		}
	}
	return { ok, exitCode: r.code, signal: r.signal, timedOut: r.timedOut, run, errorMessage, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
}

/** Like executeWorkflowRaw, but returns the parsed run JSON and throws N8nExecuteError unless it succeeded. */
export async function executeWorkflow(env, id, opts) {
	const res = await executeWorkflowRaw(env, id, opts);
	if (!res.ok) throw new N8nExecuteError(`workflow ${id} failed: ${res.errorMessage}\n${describeFailure('n8n execute', { ...res, code: res.exitCode, signal: null })}`, res);
	return res.run;
}

/** The `json` of every item a node output on its first run (main output 0). */
export function nodeOutputJson(run, nodeName, { output = 0, runIndex = 0 } = {}) {
	const taskData = run?.data?.resultData?.runData?.[nodeName]?.[runIndex];
	if (!taskData) throw new Error(`node "${nodeName}" did not run (ran: ${Object.keys(run?.data?.resultData?.runData ?? {}).join(', ')})`);
	if (taskData.error) throw new Error(`node "${nodeName}" failed: ${taskData.error.message}`);
	return (taskData.data?.main?.[output] ?? []).map((item) => item.json);
}

/** The manual trigger every CLI-executed workflow must start from. */
export function manualTriggerNode({ name = 'When clicking Execute', position = [0, 0] } = {}) {
	return {
		id: 'a0000000-0000-4000-8000-000000000001',
		name,
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position,
		parameters: {},
	};
}

/** Builds a linear workflow: manual trigger → nodes[0] → nodes[1] → ... */
export function linearWorkflow({ id, name = id, nodes }) {
	const trigger = manualTriggerNode();
	const all = [trigger, ...nodes.map((n, i) => ({ id: randomUUID(), position: [220 * (i + 1), 0], typeVersion: 1, parameters: {}, ...n }))];
	const connections = {};
	for (let i = 0; i < all.length - 1; i++) {
		connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes: all, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/**
 * The bytes of one binary property of an output item, whatever the binary data mode:
 * 1.123.x keeps it inline (base64 in `data`); 2.40.7 defaults to 'filesystem' mode, where `data` is
 * 'filesystem-v2' and `id` is 'filesystem-v2:<path under <userFolder>/.n8n/storage>'.
 */
export function readBinaryData(env, binary) {
	if (!binary) throw new Error('readBinaryData: no binary property');
	const m = /^filesystem(?:-v2)?:(.+)$/.exec(binary.id ?? '');
	if (m) {
		const file = path.join(env.userFolder, '.n8n', 'storage', m[1]);
		if (!fs.existsSync(file)) throw new Error(`binary data file ${file} not found (binary id ${binary.id})`);
		return fs.readFileSync(file);
	}
	if (binary.id) throw new Error(`binary data id ${binary.id}: mode not supported here`);
	return Buffer.from(binary.data, 'base64');
}
