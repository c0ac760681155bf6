// `n8n execute --id=<id> --rawOutput` spawned here rather than through scripts/e2e's runN8n, because the
// benchmark needs the n8n process itself: its PID (to sample /proc/<pid>/status for memory) and extra
// Node flags on it (--cpu-prof). Environment, cwd, broker port and process-group handling follow runN8n.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { cleanBaseEnv, extractJsonBlocks, freeLoopbackPort } from '../../e2e/n8n-cli.mjs';

export const EXECUTE_TIMEOUT_MS = 300_000;
/**
 * `n8n execute` runs that printed a complete run and then died by a signal while exiting (n8n 2.x with
 * its default vm expression engine: SIGSEGV at exit now and then). The run itself is kept; the
 * report says how often it happened.
 */
export const exitCrashes = [];
const MEMORY_SAMPLE_MS = 10;


/** VmRSS and VmHWM (KiB) of a live process, or undefined once it is gone. */
function readMemory(pid) {
	let text;
	try {
		text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined;
	}
	const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
	return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** The process and all its descendants (n8n 2.x starts a task runner as a child). */
function processTree(pid) {
	const pids = [pid];
	for (let i = 0; i < pids.length; i++) {
		let tasks = [];
		try {
			tasks = fs.readdirSync(`/proc/${pids[i]}/task`);
		} catch {
			continue;
		}
		for (const tid of tasks) {
			try {
				for (const child of fs.readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) pids.push(Number(child));
			} catch {
				/* gone */
			}
		}
	}
	return pids;
}

/** VmRSS (KiB) summed over the process tree. */
function readTreeRss(pid) {
	let total = 0;
	for (const p of processTree(pid)) {
		const m = readMemory(p);
		if (m && Number.isFinite(m.rss)) total += m.rss;
	}
	return total;
}

/**
 * Runs one workflow. Options: nodeFlags (Node options for the n8n process only, e.g. --cpu-prof),
 * sampleMemory (poll /proc every 10 ms: peak VmRSS and the last VmHWM seen before exit; 'tree' also sums VmRSS over
 * the process and its descendants), extraEnv (variables for this run only), onSpawn (called with the child process
 * once it runs: the memory investigation signals it while it works).
 * @returns {Promise<{ ok, run, errorMessage, exitCode, signal, timedOut, ms, memory?: { hwmKiB, peakRssKiB, samples } , stdout }>}
 */
export async function executeN8n(env, id, { nodeFlags = [], sampleMemory = false, timeoutMs = EXECUTE_TIMEOUT_MS, extraEnv = {}, onSpawn } = {}) {
	const vars = { ...env.vars, ...extraEnv };
	// 2.x starts a task broker on 127.0.0.1:5679 by default: a free port per process avoids clashes
	// with another n8n on the machine.
	if (env.major >= 2 && !vars.N8N_RUNNERS_BROKER_PORT) vars.N8N_RUNNERS_BROKER_PORT = String(await freeLoopbackPort());
	const t0 = Date.now();
	// The run JSON goes to a file, not a pipe: n8n execute prints it and exits at once, and a pipe loses
	// whatever it had not taken yet (a run of 2,000 downloads is cut off at about 2 MB); file writes are synchronous.
	const stdoutFile = path.join(os.tmpdir(), `agora-bench-stdout-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
	const stdoutFd = fs.openSync(stdoutFile, 'w');
	const child = spawn(env.nodeBin, [...nodeFlags, env.n8nBin, 'execute', `--id=${id}`, '--rawOutput'], {
		cwd: env.userFolder,
		env: { ...cleanBaseEnv(), ...vars },
		stdio: ['ignore', stdoutFd, 'pipe'],
		detached: true, // own process group: a timeout also ends its task-runner children
	});
	fs.closeSync(stdoutFd);
	const err = [];
	child.stderr.on('data', (b) => err.push(b));

	// series: [wall-clock ms, VmRSS KiB], to find the RSS just before and during the measured node.
	const memory = sampleMemory ? { hwmKiB: 0, peakRssKiB: 0, samples: 0, series: [], treeSeries: [] } : undefined;
	const sample = () => {
		const m = readMemory(child.pid);
		if (!m || !Number.isFinite(m.rss)) return;
		memory.samples++;
		memory.series.push([Date.now(), m.rss]);
		if (sampleMemory === 'tree') memory.treeSeries.push([Date.now(), readTreeRss(child.pid)]);
		if (m.hwm > memory.hwmKiB) memory.hwmKiB = m.hwm;
		if (m.rss > memory.peakRssKiB) memory.peakRssKiB = m.rss;
	};
	const sampler = memory ? setInterval(sample, MEMORY_SAMPLE_MS) : undefined;
	const watcher = onSpawn?.(child);

	const killGroup = () => {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
	};
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		killGroup();
	}, timeoutMs);
	process.once('exit', killGroup);
	const { code, signal } = await new Promise((resolve, reject) => {
		child.on('error', reject);
		// 'exit' (not 'close'): the process is still a zombie here, so one last /proc read is possible
		// before the pipes are drained.
		child.on('exit', (c, s) => {
			if (memory) sample();
			resolve({ code: c, signal: s });
		});
	}).finally(() => {
		clearTimeout(timer);
		clearInterval(sampler);
		watcher?.stop?.();
		process.removeListener('exit', killGroup);
	});
	await new Promise((resolve) => (child.stderr.readableEnded ? resolve() : child.stderr.once('end', resolve)));
	killGroup(); // leftovers of the group (a task runner) if any
	const stdout = fs.readFileSync(stdoutFile, 'utf8');
	fs.rmSync(stdoutFile, { force: true });
	const stderr = Buffer.concat(err).toString('utf8');
	const runs = [...extractJsonBlocks(stdout), ...extractJsonBlocks(stderr)].filter((o) => o?.data?.resultData);
	const run = runs[runs.length - 1];
	const resultError = run?.data?.resultData?.error;
	const crashedAtExit = code === null && !!signal && !timedOut && !!run && !resultError && run.finished === true;
	if (crashedAtExit) exitCrashes.push({ id, signal });
	const ok = (code === 0 || crashedAtExit) && !timedOut && !!run && !resultError;
	const errorMessage = ok
		? undefined
		: (resultError?.message ?? (timedOut ? `timed out after ${timeoutMs} ms` : `n8n execute exited ${code ?? signal}${run ? '' : ' without a run JSON'}`));
	return { ok, run, errorMessage, exitCode: code, signal, timedOut, ms: Date.now() - t0, memory, stdout, stderr };
}

/**
 * RSS around one node's run, from the sampled series: the last sample before it started and the
 * highest sample while it ran (plus one sampling interval, as the sample after its end may be the peak).
 */
export function rssAroundNode(memory, startTime, executionTime, series = memory?.series) {
	if (!series?.length) return undefined;
	const end = startTime + executionTime + MEMORY_SAMPLE_MS;
	let before;
	let peak = 0;
	let during = 0;
	for (const [t, rss] of series) {
		if (t < startTime) before = rss;
		else if (t <= end) {
			during++;
			peak = Math.max(peak, rss);
		}
	}
	if (!during) {
		// A node shorter than the sampling interval: the first sample after it started stands for it.
		const next = series.find(([t]) => t >= startTime);
		if (next) peak = next[1];
	}
	if (before === undefined || !peak) return undefined;
	return { beforeKiB: before, peakKiB: Math.max(peak, before), samplesDuring: during };
}

/** A node's first run: its task data (executionTime, startTime, data, error). */
export function nodeTask(run, nodeName) {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	if (!task) throw new Error(`node "${nodeName}" did not run`);
	return task;
}

/** Items of a node's first output on its first run. */
export function nodeItems(run, nodeName) {
	return nodeTask(run, nodeName).data?.main?.[0] ?? [];
}
