// `npm run test:e2e`: the built package in a real n8n, headless, loaded through N8N_CUSTOM_EXTENSIONS,
// against the project's emulator. Passes (one n8n set-up each):
//   2.41.1:server  `n8n start` with n8n's defaults (vm expression engine, filesystem binary data, SQLite);
//                  workflows started through the REST API as the editor's Execute button does
//   2.41.1:queue   queue mode: Redis + PostgreSQL, one main and two `n8n worker`s, manual runs offloaded
//                  to the workers, binary data in the database (queue mode's default)
//   1.123:cli      `n8n execute` on Node 20 (N8N_EXPRESSION_ENGINE=legacy: n8n 1.x's vm engine cannot load there)
//   2.41.1:tarball, 1.123:tarball
//                  the tarball `npm pack` makes, installed with `npm install <tarball>` into a fresh
//                  <N8N_USER_FOLDER>/.n8n/nodes and loaded by `n8n start` from there (no N8N_CUSTOM_EXTENSIONS,
//                  node types n8n-nodes-agora-chat.*); only the modules that list 'tarball' run there
// Each pass runs every check module in scripts/e2e/checks/*.mjs (see README.md). One line per check,
// then `N passed, M failed`; exit 1 on any failure.
//
//   node scripts/e2e/run-e2e.mjs [--passes=2.41.1:server,2.41.1:queue,1.123:cli,2.41.1:tarball,1.123:tarball] [--versions=2.41.1,1.123]
//                                [--only=examples,errors] [--keep]

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { installCommunityPackage, packageNodeType } from './community-package.mjs';
import { createN8nEnv, customNodeType, executeWorkflowRaw, importCredentials, importWorkflow, linearWorkflow, readBinaryData, stagePackage } from './n8n-cli.mjs';
import { startEmulator } from './emulator.mjs';
import { DEFAULT_N8N_VERSION, ensureN8n } from './n8n-install.mjs';
import { N8nApi, startN8nProcess } from './n8n-server.mjs';
import { queueModeVars, startPostgres, startRedis } from './queue-services.mjs';
import { packTarball } from '../package/tarball.mjs';

export const DEFAULT_PASSES = [`${DEFAULT_N8N_VERSION}:server`, `${DEFAULT_N8N_VERSION}:queue`, '1.123:cli', `${DEFAULT_N8N_VERSION}:tarball`, '1.123:tarball'];
const MODES = ['cli', 'server', 'queue', 'tarball'];
/** Where a check module runs when it does not say: the passes that load dist/ as a custom extension. */
const DEFAULT_CHECK_MODES = ['cli', 'server', 'queue'];
const GROUP_ID = '66021836783617';
const WORKERS = 2;
const checksFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'checks');

/** Every check module, in file name order: `{ name, passes?, run(ctx) }`. */
export async function loadChecks(only) {
	const files = fs.readdirSync(checksFolder).filter((file) => file.endsWith('.mjs')).sort();
	const modules = [];
	for (const file of files) {
		const module = await import(pathToFileURL(path.join(checksFolder, file)).href);
		if (typeof module.run !== 'function') throw new Error(`scripts/e2e/checks/${file} exports no run(ctx)`);
		modules.push({ name: module.name ?? file.replace(/\.mjs$/, ''), passes: module.passes ?? DEFAULT_CHECK_MODES, run: module.run });
	}
	return only ? modules.filter((module) => only.includes(module.name)) : modules;
}

export function expectEqual(actual, expected, what) {
	const a = JSON.stringify(actual);
	const e = JSON.stringify(expected);
	if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** The items a node output on its first run; throws if it did not run or failed. */
export function outputOf(run, nodeName) {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	if (!task) throw new Error(`node "${nodeName}" did not run`);
	if (task.error) throw new Error(`node "${nodeName}" failed: ${task.error.message}`);
	return task.data?.main?.[0] ?? [];
}

function triggerOf(workflow) {
	return workflow.nodes.find((node) => /(manualTrigger|scheduleTrigger)$/.test(node.type))?.name ?? workflow.nodes[0]?.name;
}

/** n8n 1.x answers /healthz before its REST routes are mounted (they answer 404 until then). */
async function restRoutesMounted(url, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while ((await fetch(`${url}/rest/settings`, { signal: AbortSignal.timeout(10_000) })).status === 404) {
		if (Date.now() > deadline) throw new Error(`n8n at ${url} still answers 404 on /rest/settings after ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/** Starts what one pass needs and returns how checks run workflows there; `close()` stops it all. */
async function openPass({ version: spec, mode }, { workRoot, stagedDist, tarball }) {
	const install = await ensureN8n({ version: spec });
	const version = install.version;
	const passRoot = fs.mkdtempSync(path.join(workRoot, `n8n-${version}-${mode}-`));
	const userFolder = path.join(passRoot, 'main');
	const filesRoot = path.join(passRoot, 'files');
	const stops = [];
	const close = async () => {
		for (const stop of stops.reverse()) await stop().catch(() => {});
	};
	try {
		let extraEnv = { N8N_RESTRICT_FILE_ACCESS_TO: filesRoot };
		let postgres;
		if (mode === 'queue') {
			const redis = await startRedis(passRoot);
			stops.push(redis.stop);
			postgres = await startPostgres(passRoot);
			stops.push(postgres.stop);
			extraEnv = { ...extraEnv, ...queueModeVars({ redis, postgres }) };
		}
		// n8n's own defaults, except where this n8n cannot load its default engine (createN8nEnv says when).
		const env = createN8nEnv({ version, install, userFolder, customExtensions: mode === 'tarball' ? [] : [stagedDist], extraEnv });
		let packageInstall;
		if (mode === 'tarball') {
			// As users run n8n: no custom extension folder at all, community packages on (n8n's default).
			delete env.vars.N8N_CUSTOM_EXTENSIONS;
			env.vars.N8N_COMMUNITY_PACKAGES_ENABLED = 'true';
			packageInstall = await installCommunityPackage({ userFolder, tarball: tarball.file });
		}
		const triggers = new Map();
		const pass = {
			version,
			mode,
			label: `${version} ${mode}`,
			install,
			env,
			filesRoot,
			postgres,
			packageInstall,
			expectedBinaryMode: mode === 'queue' ? 'database' : install.version.startsWith('1.') ? 'inline' : 'filesystem',
			close,
			async importCredentials(list) {
				await importCredentials(env, list);
			},
			async importWorkflow(workflows) {
				for (const workflow of Array.isArray(workflows) ? workflows : [workflows]) triggers.set(String(workflow.id), triggerOf(workflow));
				return await importWorkflow(env, workflows);
			},
		};
		if (mode === 'cli') {
			let lastOutput = '';
			pass.execute = async (id) => {
				const result = await executeWorkflowRaw(env, id);
				lastOutput = result.stdout + result.stderr;
				return result;
			};
			pass.readBinary = async (binary) => readBinaryData(env, binary);
			pass.n8nOutput = async () => lastOutput;
			return pass;
		}
		const main = await startN8nProcess(env, 'start', { name: 'main' });
		stops.push(main.stop);
		const workers = [];
		if (mode === 'queue') {
			for (let i = 1; i <= WORKERS; i++) {
				// Each worker its own user folder (as on its own machine), the same database, Redis and key.
				const workerEnv = { ...env, userFolder: path.join(passRoot, `worker-${i}`), vars: { ...env.vars, N8N_USER_FOLDER: path.join(passRoot, `worker-${i}`) } };
				fs.mkdirSync(workerEnv.userFolder, { recursive: true });
				const worker = await startN8nProcess(workerEnv, 'worker', { name: `worker-${i}` });
				stops.push(worker.stop);
				workers.push(worker);
			}
		}
		if (env.major < 2) await restRoutesMounted(main.url);
		const api = await N8nApi.setUp(main.url, env);
		const executions = [];
		Object.assign(pass, { main, workers, api, executions });
		pass.execute = async (id) => {
			const workflowData = env.major < 2 ? await api.request('GET', `workflows/${id}`) : undefined;
			const { executionId } = await api.runManually(id, triggers.get(String(id)) ?? 'When clicking Execute', workflowData);
			const execution = await api.waitForExecution(executionId);
			const error = execution.run.data?.resultData?.error;
			const result = { ok: execution.status === 'success' && !error, executionId, status: execution.status, run: execution.run, errorMessage: error?.message ?? (execution.status === 'success' ? undefined : `execution ${executionId} ended "${execution.status}"`) };
			if (mode === 'queue') {
				const started = new RegExp(`Worker started execution ${executionId} \\(job `);
				result.ranOn = workers.filter((worker) => started.test(worker.output())).map((worker) => worker.name);
				result.ranOnMain = started.test(main.output());
				executions.push({ workflowId: String(id), ...result });
				if (result.ranOn.length !== 1 || result.ranOnMain) {
					result.ok = false;
					result.errorMessage = `execution ${executionId} ran on ${result.ranOn.join(', ') || 'no worker'}${started.test(main.output()) ? ' and on the main' : ''}, not on exactly one worker`;
				}
			}
			return result;
		};
		pass.readBinary = (binary) => api.readBinary(binary);
		pass.n8nOutput = async () => [main, ...workers].map((process) => process.output()).join('\n');
		return pass;
	} catch (error) {
		await close();
		throw error;
	}
}

/** What a check module gets: the pass, the emulator, the credential and helpers. See README.md. */
function contextFor(pass, { emulator, credential, record, tarball }) {
	const nodeTypeOf = (name) => (pass.mode === 'tarball' ? packageNodeType(tarball.name, name) : customNodeType(name));
	const ctx = {
		...pass,
		pass: pass.mode,
		emulator,
		credential,
		groupId: GROUP_ID,
		nodeType: nodeTypeOf('chatGroup'),
		nodeTypeOf,
		packageName: tarball?.name,
		packageVersion: tarball?.version,
		linearWorkflow,
		expectEqual,
		outputOf,
		record: (name, ok, detail) => record(pass.label, name, ok, detail),
		async check(name, assert) {
			let failure;
			try {
				await assert();
			} catch (error) {
				failure = error.message;
			}
			ctx.record(name, !failure, failure);
		},
	};
	return ctx;
}

function parsePasses(args) {
	const passesArg = args.find((arg) => arg.startsWith('--passes='));
	const versionsArg = args.find((arg) => arg.startsWith('--versions='));
	let specs = DEFAULT_PASSES;
	if (passesArg) specs = passesArg.slice('--passes='.length).split(',').filter(Boolean);
	else if (versionsArg) {
		const versions = versionsArg.slice('--versions='.length).split(',').filter(Boolean);
		specs = versions.flatMap((version) => (version.startsWith('1.') ? [`${version}:cli`, `${version}:tarball`] : [`${version}:server`, `${version}:queue`, `${version}:tarball`]));
	}
	return specs.map((spec) => {
		const [version, mode = version.startsWith('1.') ? 'cli' : 'server'] = spec.split(':');
		if (!MODES.includes(mode)) throw new Error(`unknown pass mode "${mode}" in ${spec} (one of ${MODES.join(', ')})`);
		return { version, mode };
	});
}

async function main() {
	const args = process.argv.slice(2);
	const passes = parsePasses(args);
	const onlyArg = args.find((arg) => arg.startsWith('--only='));
	const checks = await loadChecks(onlyArg ? onlyArg.slice('--only='.length).split(',') : undefined);
	const keep = args.includes('--keep');
	const started = Date.now();
	let passed = 0;
	let failed = 0;
	const log = (line) => console.log(line);
	const record = (label, name, ok, detail) => {
		if (ok) passed++;
		else failed++;
		log(`${ok ? 'ok' : 'not ok'} - n8n ${label}: ${name}${ok || !detail ? '' : `\n    ${String(detail).split('\n').slice(0, 12).join('\n    ')}`}`);
	};

	const appId = randomBytes(16).toString('hex');
	const appCertificate = randomBytes(16).toString('hex');
	const emulator = await startEmulator({ rateLimit: 100, appId, appCertificate });
	const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-agora-e2e-'));
	try {
		// Outside the repo, so that the package's require('n8n-workflow') finds n8n's own copy.
		const stagedDist = path.join(stagePackage({ destRoot: workRoot }), 'dist');
		// The tarball passes install what npm would publish, packed from the same build.
		const tarball = passes.some((spec) => spec.mode === 'tarball') ? packTarball({ destDir: path.join(workRoot, 'tarball') }) : undefined;
		const credential = {
			id: 'agoraChatAccount',
			name: 'Agora Chat account',
			type: 'agoraChatApi',
			data: { host: emulator.url, orgName: 'demo-org', appName: 'demo-app', tokenSource: 'appCertificate', appId, appCertificate, tokenTtlSeconds: 3600, requestsPerSecond: 96 },
		};
		for (const spec of passes) {
			const label = `${spec.version} ${spec.mode}`;
			let pass;
			try {
				const t0 = Date.now();
				pass = await openPass(spec, { workRoot, stagedDist, tarball });
				await pass.importCredentials([credential]);
				const engine = pass.env.vars.N8N_EXPRESSION_ENGINE ?? "n8n's default";
				log(`# n8n ${pass.version} (Node ${pass.install.nodeVersion}), ${spec.mode}${pass.workers?.length ? ` with ${pass.workers.length} workers` : ''}; expression engine: ${engine}; ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
			} catch (error) {
				record(label, 'start n8n and import the credential', false, error.stack ?? error.message);
				await pass?.close();
				continue;
			}
			try {
				for (const check of checks.filter((candidate) => candidate.passes.includes(spec.mode))) {
					const ctx = contextFor(pass, { emulator, credential, record, tarball });
					try {
						await check.run(ctx);
					} catch (error) {
						ctx.record(`${check.name}: the check module ran to its end`, false, error.stack ?? error.message);
					}
				}
				if (pass.workers?.length) {
					// Every execution of the pass (failing ones too): the worker logs name it, the main's never does.
					const astray = pass.executions.filter((execution) => execution.ranOn.length !== 1 || execution.ranOnMain);
					const counts = pass.workers.map((worker) => `${worker.name} ${pass.executions.filter((execution) => execution.ranOn.includes(worker.name)).length}`);
					record(pass.label, `all ${pass.executions.length} executions ran on a worker (${counts.join(', ')}), none on the main`, pass.executions.length > 0 && astray.length === 0, astray.map((execution) => `execution ${execution.executionId} of ${execution.workflowId} ran on ${[...execution.ranOn, ...(execution.ranOnMain ? ['the main'] : [])].join(' and ') || 'no worker'}`).join('\n'));
				}
			} finally {
				await pass.close();
				if (!keep) fs.rmSync(path.dirname(pass.env.userFolder), { recursive: true, force: true });
			}
		}
	} finally {
		emulator.stop();
		if (!keep) fs.rmSync(workRoot, { recursive: true, force: true });
	}
	log(`# ${((Date.now() - started) / 1000).toFixed(0)} s`);
	log(`${passed} passed, ${failed} failed`);
	process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
