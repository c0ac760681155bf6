#!/usr/bin/env node
// `npm run bench` (after `npm run build`): the built package in a real n8n 2.41.1 (its defaults) against the local Agora
// Chat emulator, compared with n8n's HTTP Request node. Writes docs/benchmarks.md and prints a summary.
//
//   node scripts/bench/run-bench.mjs [--reps=5] [--only=P1,...,P8] [--mirror-rows=2000,10000] [--no-docs|--docs] [--out=FILE] [--json=FILE] [--keep]
//                                   [--heap-profile[=cg,http]]  (P7 only: a heap profile per side instead of the figures)
//                                   [--cpu-profile[=cg,http]]  (P7 only: a CPU profile per side over the download node's run)
//                                   [--mirror-env=NAME=value]...  (P7 only: a user's setting on every run, an extra line)
//                                   [--mirror-memory-limit=1G]  (P7 only, root: n8n in a memory cgroup, as in a container)
//                                   [--memory-probe]  (P2 only: where the memory of one file goes, by call, instead of the figures)
//
//   P1 overhead (1,000 × Announcement Get)   P2 peak memory (10 MiB upload / download)
//   P3 pagination (10,000 files, Limit)      P4 the 100/s cap (1,000 × Announcement Get)
//   P5 queue mode: 2 workers, 2 × 1,000 items on one app key capped at 100/s
//   P6 callback trigger: event → execution start beside the polling trigger's; 1,000 callbacks at 100/s
//   P7 mirror a group (2,000 / 10,000 files)  P8 upload a folder (500 files, Replace If Different)
//
// One `n8n execute` per repetition; the figure is the measured node's executionTime from the run data.
// Every process has a timeout, and the whole run has one too.

import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createN8nEnv, importCredentials, importWorkflow, stagePackage } from '../e2e/n8n-cli.mjs';
import { DEFAULT_N8N_VERSION, ensureN8n, repoRoot } from '../e2e/n8n-install.mjs';
import { startEmulator } from '../e2e/emulator.mjs';
import { BIG_BYTES, GROUPS, MEMORY_PROBE, PAGE_FILES, PHASES as SINGLE_PROCESS_PHASES } from './lib/phases.mjs';
import { P5 } from './lib/queue-phase.mjs';
import { P6 } from './lib/callback-phase.mjs';
import { CPU_PROFILE, HEAP_PROFILE, MIRROR_ENV, MIRROR_MEMORY_LIMIT, MIRROR_ROWS, P7 } from './lib/mirror-phase.mjs';
import { P8 } from './lib/folder-phase.mjs';
import { exitCrashes } from './lib/n8n-exec.mjs';
import { writeReport } from './lib/report.mjs';
import { contentionGauge, machineInfo, uptimeLine } from './lib/system.mjs';
import { startCountingRelay } from './lib/tcp-counter.mjs';
import { CLIENT_ID, CLIENT_SECRET, credentials } from './lib/workflows.mjs';

const N8N_VERSION = DEFAULT_N8N_VERSION;
const PHASES = [...SINGLE_PROCESS_PHASES, P5, P6, P7, P8];
const DOCS_FILE = path.join(repoRoot, 'docs', 'benchmarks.md');
const WHOLE_RUN_TIMEOUT_MS = 90 * 60 * 1000;
/** Average cores used by other processes above which the timings are flagged as taken under contention. */
const CONTENTION_THRESHOLD_CORES = 0.25;

function parseArgs(argv) {
	const opts = { reps: 5, only: PHASES.map((p) => p.key), docs: undefined, out: DOCS_FILE, json: undefined, keep: false };
	for (const arg of argv) {
		const [name, value] = arg.split(/=(.*)/s, 2);
		if (name === '--reps') {
			opts.reps = Number(value);
			if (!Number.isInteger(opts.reps) || opts.reps < 1 || opts.reps > 50) throw new Error(`--reps must be 1..50, got ${value}`);
		} else if (name === '--only') {
			opts.only = value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
			const unknown = opts.only.filter((k) => !PHASES.some((p) => p.key === k));
			if (unknown.length || !opts.only.length) throw new Error(`--only takes ${PHASES.map((p) => p.key).join(',')}, got ${value}`);
		} else if (name === '--no-docs') opts.docs = false;
		else if (name === '--docs') opts.docs = true;
		else if (name === '--json') opts.json = path.resolve(value);
		else if (name === '--out') {
			opts.out = path.resolve(value);
			opts.docs ??= true;
		}
		else if (name === '--keep') opts.keep = true;
		else if (name === '--mirror-env') {
			const [key, setting] = value.split(/=(.*)/s, 2);
			MIRROR_ENV[key] = setting;
		} else if (name === '--mirror-memory-limit') {
			const match = /^(\d+)([MG])$/i.exec(value ?? '');
			if (!match) throw new Error(`--mirror-memory-limit takes a size such as 1G or 768M, got ${value}`);
			MIRROR_MEMORY_LIMIT.bytes = Number(match[1]) * 2 ** (match[2].toUpperCase() === 'G' ? 30 : 20);
		} else if (name === '--cpu-profile') {
			CPU_PROFILE.enabled = true;
			if (value) CPU_PROFILE.sides = value.split(',');
		} else if (name === '--heap-profile') {
			HEAP_PROFILE.enabled = true;
			if (value) HEAP_PROFILE.sides = value.split(',');
		}
		else if (name === '--memory-probe') MEMORY_PROBE.enabled = true;
		else if (name === '--mirror-rows') {
			const wanted = value.split(',').map(Number);
			if (!wanted.length || wanted.some((n) => !MIRROR_ROWS.some((row) => row.files === n))) throw new Error(`--mirror-rows takes ${MIRROR_ROWS.map((row) => row.files).join(',')}, got ${value}`);
			MIRROR_ROWS.splice(0, MIRROR_ROWS.length, ...MIRROR_ROWS.filter((row) => wanted.includes(row.files)));
		}
		else if (name === '--help' || name === '-h') {
			console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 18).join('\n').replace(/^\/\/ ?/gm, ''));
			process.exit(0);
		} else throw new Error(`unknown argument ${arg} (see --help)`);
	}
	// A partial run must not replace the full report unless asked to.
	opts.docs ??= opts.only.length === PHASES.length;
	// A profiled run is an investigation, never the figures.
	if (HEAP_PROFILE.enabled || CPU_PROFILE.enabled || MIRROR_MEMORY_LIMIT.bytes || Object.keys(MIRROR_ENV).length) {
		if (opts.only.join() !== 'P7') throw new Error('--heap-profile, --cpu-profile, --mirror-memory-limit and --mirror-env go with --only=P7');
		opts.docs = false;
	}
	if (MEMORY_PROBE.enabled) {
		if (opts.only.join() !== 'P2') throw new Error('--memory-probe goes with --only=P2');
		opts.docs = false;
	}
	return opts;
}

/** The two files of P2: 10 MiB of random bytes and 1 byte, in the folder n8n may read from. */
function writeInputFiles(dir) {
	fs.mkdirSync(dir, { recursive: true });
	const big = randomBytes(BIG_BYTES);
	const tiny = Buffer.from('x');
	const files = { big: path.join(dir, 'big.bin'), tiny: path.join(dir, 'tiny.bin') };
	fs.writeFileSync(files.big, big);
	fs.writeFileSync(files.tiny, tiny);
	const sha = (b) => createHash('sha256').update(b).digest('hex');
	return { ...files, sizes: { big: big.length, tiny: tiny.length }, bytes: { big, tiny }, hashes: { big: sha(big), tiny: sha(tiny) } };
}

async function prepareEmulator(emulator, files, appKeys) {
	await emulator.admin('POST', 'reset');
	await emulator.admin('POST', 'config', { rateLimitPerSecond: 0, ...appKeys, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
	await emulator.admin('POST', 'groups', { groupId: GROUPS.announcement, announcement: 'Stand-up at 9:30 in room 4.' });
	await emulator.admin('POST', 'groups', { groupId: GROUPS.uploads });
	await emulator.admin('POST', 'groups', { groupId: GROUPS.downloads });
	await emulator.admin('POST', 'groups', { groupId: GROUPS.pages });
	// Downloads serve the same bytes the upload reads (the emulator keeps its files in memory).
	const add = async (name, bytes) =>
		(await emulator.admin('POST', 'files', { groupId: GROUPS.downloads, fileName: name, contentBase64: bytes.toString('base64'), contentType: 'application/octet-stream' })).fileId;
	const downloadIds = { big: await add('big.bin', files.bytes.big), tiny: await add('tiny.bin', files.bytes.tiny) };
	await emulator.admin('POST', 'seed', { groupId: GROUPS.pages, count: PAGE_FILES });
	await emulator.admin('DELETE', 'requests');
	return downloadIds;
}

/** The commit the package was built from, and whether its sources differ from it (read-only git). */
function sourceRevision() {
	const git = (args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', timeout: 10_000 }).trim();
	try {
		const dirty = git(['status', '--porcelain', '--', 'nodes', 'credentials', 'package.json']) !== '';
		return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes in nodes/, credentials/ or package.json' : ''}`;
	} catch {
		return 'unknown (no git)';
	}
}

function printSummary(targets, meta) {
	console.log('\n=== Targets');
	for (const t of targets) console.log(`${t.met ? 'MET    ' : 'NOT MET'}  ${t.name}: ${t.value}`);
	console.log('\n=== Contention (cores used by other processes, per phase)');
	for (const p of meta.phases) console.log(`${p.key}: ${p.foreignCores.toFixed(2)} cores over ${p.seconds.toFixed(0)} s${p.foreignCores > CONTENTION_THRESHOLD_CORES ? '  <- contention: rerun timings on a quiet machine' : ''}`);
	console.log(`uptime before: ${meta.uptimeBefore}\nuptime after:  ${meta.uptimeAfter}`);
	console.log(`total: ${(meta.totalSeconds / 60).toFixed(1)} min`);
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const started = Date.now();
	const log = (line) => console.log(line);
	const uptimeBefore = uptimeLine();
	log(`# benchmark: phases ${opts.only.join(', ')}, ${opts.reps} repetitions; ${uptimeBefore}`);

	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-bench-'));
	let emulator;
	let relay;
	try {
		// Outside the repo, so that the package's require('n8n-workflow') finds n8n's own copy.
		const revision = sourceRevision();
		const staged = stagePackage({ destRoot: work });
		const packageVersion = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8')).version;
		const install = await ensureN8n({ version: N8N_VERSION });
		const filesDir = path.join(work, 'files');
		const files = writeInputFiles(filesDir);
		const env = createN8nEnv({
			version: install.version,
			install,
			userFolder: path.join(work, 'n8n-user'),
			customExtensions: [path.join(staged, 'dist')],
			// Read/Write Files from Disk may read only there.
			extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: filesDir },
		});

		emulator = await startEmulator({ rateLimit: 0 });
		relay = await startCountingRelay(emulator.port);
		// App ID + Certificate for the token-source runs: random, as Agora issues them (32 hex characters).
		const appKeys = { appId: randomBytes(16).toString('hex'), appCertificate: randomBytes(16).toString('hex') };
		const downloadIds = await prepareEmulator(emulator, files, appKeys);
		log(`emulator ${emulator.url}, relay ${relay.url}, work folder ${work}`);

		const phases = PHASES.filter((p) => opts.only.includes(p.key));
		const creds = credentials({ emulatorUrl: emulator.url, proxyUrl: relay.url, ...appKeys });
		await importCredentials(env, creds);
		const workflows = phases.flatMap((p) => p.workflows({ emulatorUrl: emulator.url, relayUrl: relay.url, files, downloadIds }));
		await importWorkflow(env, workflows);
		log(`imported ${creds.length} credentials and ${workflows.length} workflows (${((Date.now() - started) / 1000).toFixed(0)} s)`);

		const extraPids = [emulator.pid];
		const ctx = {
			env,
			install,
			credentials: creds,
			customExtensions: [path.join(staged, 'dist')],
			extraPids,
			emulator,
			relay,
			reps: opts.reps,
			work,
			files,
			log,
			oursMarker: `/${path.basename(staged)}/dist/`,
			// Puts a credential back as imported (e.g. without the token a run stored in it).
			reimportCredential: async (id) => await importCredentials(env, creds.filter((c) => c.id === id)),
		};
		const results = {};
		const targets = [];
		const phaseMeta = [];
		for (const phase of phases) {
			log(`\n## ${phase.key} ${phase.title}`);
			const gauge = contentionGauge(extraPids);
			const loadBefore = os.loadavg();
			gauge.start();
			const res = await phase.run(ctx);
			phaseMeta.push({ key: phase.key, ...gauge.stop(), loadBefore, loadAfter: os.loadavg() });
			res.reps = opts.reps;
			results[phase.key] = res;
			targets.push(...phase.targets(res));
		}

		const meta = {
			date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
			machine: machineInfo(),
			n8nVersion: install.version,
			n8nNode: install.nodeVersion,
			benchNode: process.version,
			packageVersion,
			revision,
			reps: opts.reps,
			ran: phases.map((p) => p.key),
			uptimeBefore,
			uptimeAfter: uptimeLine(),
			totalSeconds: (Date.now() - started) / 1000,
			phases: phaseMeta,
			expressionEngine: env.vars.N8N_EXPRESSION_ENGINE ?? "n8n's default (vm)",
			exitCrashes: exitCrashes.length,
			contentionThreshold: CONTENTION_THRESHOLD_CORES,
		};
		if (opts.json) {
			// Without the bulky per-request logs and run JSON.
			fs.writeFileSync(opts.json, JSON.stringify({ meta, targets, results }, (k, v) => (k === 'requests' && Array.isArray(v) ? undefined : k === 'run' ? undefined : v), 2));
		}
		if (opts.docs) {
			fs.mkdirSync(path.dirname(opts.out), { recursive: true });
			writeReport(opts.out, { results, targets, meta });
			log(`\nwrote ${opts.out}`);
		}
		printSummary(targets, meta);
		if (opts.keep) log(`kept ${work}`);
	} finally {
		relay?.stop();
		emulator?.stop();
		if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
	}
}

const watchdog = setTimeout(() => {
	console.error(`benchmark: no result after ${WHOLE_RUN_TIMEOUT_MS / 60000} min, giving up`);
	process.exit(2);
}, WHOLE_RUN_TIMEOUT_MS);
watchdog.unref();

main().then(
	() => clearTimeout(watchdog),
	(error) => {
		console.error(error.stack ?? error.message);
		process.exitCode = 1;
	},
);
