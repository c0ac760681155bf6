// P7: mirror a group. A group of 2,000 (and 10,000, the most a group holds) files of 16 KiB, one execution:
// Get Many (Return All) → Download (File Name from the list), against the emulator capped at 100 calls/s.
// Beside it the careful HTTP Request build (pagination, Split Out, downloads batched 100 per second), and the
// node inside a Loop Over Items node (what a user can set when n8n's own per-item memory is the limit).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { heapTable, summariseHeap } from './heap-summary.mjs';
import { executeN8n, nodeItems } from './n8n-exec.mjs';
import { monotonicOffsetUs, summariseProfile } from './profile.mjs';
import { percentile, rotated, summary } from './stats.mjs';
import * as W from './workflows.mjs';

export const MIRROR_FILE_BYTES = 16 * 1024;
const RATE_LIMIT = 100;
const LOOP_BATCH = 500;
/** n8n's Batching option of a declarative node: it pauses its loop over the items every `size` items, so the first requests leave. */
const REQUEST_BATCHING = { size: 50, intervalMs: 1 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isFailedItem = (item) => Boolean(item.error || item.json?.error);

/** The rows: files in the group, and how many repetitions of the full set each gets (the 10,000 row fewer). */
export const MIRROR_ROWS = [
	{ files: 2000, group: 'bench-mirror-2000', repsShare: 1 },
	{ files: 10_000, group: 'bench-mirror-10000', repsShare: 0.4 },
];

const SIDES = [
	{ key: 'cg', label: 'Agora Chat Group: Get Many (Return All) → Download (File Name from the list)', wf: (row) => `bP7cg${row.files}` },
	{ key: 'http', label: 'HTTP Request: list with pagination → Split Out → download (Batching 100 items / 1,000 ms)', wf: (row) => `bP7http${row.files}` },
	{ key: 'cgLoop', label: `Agora Chat Group inside Loop Over Items (${LOOP_BATCH} per batch): an extra line, not the figure`, wf: (row) => `bP7loop${row.files}`, once: true },
	{
		key: 'cgBatch',
		label: `Agora Chat Group, Request Options → Batching ${REQUEST_BATCHING.size} items / ${REQUEST_BATCHING.intervalMs} ms (downloads start while n8n still prepares the rest): an extra line, a user's setting`,
		wf: (row) => `bP7batch${row.files}`,
	},
	{
		key: 'cgListName',
		label: 'Agora Chat Group, Download with File Name left empty (the node names each file from the group\'s list, which Get Many read for this execution): an extra line, the workflow\'s shape',
		wf: (row) => `bP7name${row.files}`,
		once: true,
	},
	// P7_SIDES=cg (for instance) runs only those; the report needs all three.
].filter((s) => !process.env.P7_SIDES || process.env.P7_SIDES.split(',').includes(s.key));

const MiB = 1024;

/**
 * `--heap-profile`: instead of the figures, one profiled run per side (the node, the HTTP Request build), each
 * with a Wait node after the download that keeps the execution alive at its peak. Never part of the figures.
 */
export const HEAP_PROFILE = { enabled: false, sides: ['cg', 'http'] };
/**
 * `--cpu-profile`: instead of the figures, one run per side with `node --cpu-prof` (1 ms samples), summarised over the
 * download node's run: how busy n8n's main thread was, and on what (n8n's engine, HTTP, the binary store, our code).
 */
export const CPU_PROFILE = { enabled: false, sides: ['cg', 'http'] };
/** `--mirror-env=NAME=value`: a setting a user can make (NODE_OPTIONS, EXECUTIONS_…) on every P7 run; an extra line, never the figure. */
export const MIRROR_ENV = {};
/**
 * `--mirror-memory-limit=1G`: every P7 n8n process runs in a memory cgroup of that size, as in a container with that
 * limit (Node sizes its heap from it: 560 MiB of heap for 1 GiB on Node 24). Needs root; an extra line, never the figure.
 */
export const MIRROR_MEMORY_LIMIT = { bytes: 0 };

/** A cgroup (v1 or v2) limited to `bytes`, and a wrapper that starts `nodeBin` inside it. */
function memoryLimitedNode(ctx, bytes) {
	const v1 = '/sys/fs/cgroup/memory';
	const v2 = '/sys/fs/cgroup/unified';
	const base = fs.existsSync(path.join(v1, 'cgroup.procs')) ? v1 : v2;
	const group = path.join(base, `agora-bench-${process.pid}`);
	fs.mkdirSync(group, { recursive: true });
	fs.writeFileSync(path.join(group, base === v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(bytes));
	const wrapper = path.join(ctx.work, 'node-in-cgroup.sh');
	fs.writeFileSync(wrapper, `#!/bin/sh\necho $$ > '${group}/cgroup.procs' || exit 97\nexec '${ctx.env.nodeBin}' "$@"\n`, { mode: 0o755 });
	return { env: { ...ctx.env, nodeBin: wrapper }, group, remove: () => fs.rmSync(group, { recursive: false, force: true }) };
}
const HEAP_HOOK = fileURLToPath(new URL('./heap-probe.cjs', import.meta.url));
const PACER_TRACE_HOOK = fileURLToPath(new URL('./pacer-trace.cjs', import.meta.url));

const HOLD_SECONDS = 40;
const PROFILED_SIDES = [
	{ key: 'cg', label: 'Agora Chat Group: Get Many (Return All) → Download', wf: (row) => `bP7cgHeap${row.files}` },
	{ key: 'http', label: 'HTTP Request: pagination → Split Out → download (batched 100 / 1,000 ms)', wf: (row) => `bP7httpHeap${row.files}` },
];

/** Every run of a node (a node inside a loop runs once per batch). */
function nodeRuns(run, name) {
	return run?.data?.resultData?.runData?.[name] ?? [];
}

/** The highest sample within [from, to] and the last one before `from`, of a [time, KiB] series. */
function around(series, from, to) {
	let before;
	let peak = 0;
	for (const [t, kib] of series ?? []) {
		if (t < from) before = kib;
		else if (t <= to + 10) peak = Math.max(peak, kib);
	}
	return before === undefined || !peak ? undefined : { idleMiB: before / MiB, peakMiB: Math.max(peak, before) / MiB, growthMiB: (Math.max(peak, before) - before) / MiB };
}

async function measureMirror(ctx, row, side, { cpuProfile } = {}) {
	await ctx.emulator.admin('DELETE', 'requests');
	// Our node's sides note each turn of the pace (pacer-trace.cjs): how long a turn is held from its grant to its answer.
	const traceFile = side.key === 'http' ? undefined : path.join(ctx.work, `pacer-P7-${side.key}-${row.files}-${Date.now()}.json`);
	const profileName = `P7-${side.key}-${row.files}.cpuprofile`;
	const nodeFlags = [
		...(traceFile ? ['--require', PACER_TRACE_HOOK] : []),
		...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${ctx.work}`, `--cpu-prof-name=${profileName}`, '--cpu-prof-interval=1000'] : []),
	];
	const offsetUs = monotonicOffsetUs();
	const result = await executeN8n(ctx.limitedEnv ?? ctx.env, side.wf(row), {
		sampleMemory: 'tree',
		timeoutMs: 900_000,
		...(nodeFlags.length ? { nodeFlags } : {}),
		extraEnv: { ...MIRROR_ENV, ...(traceFile ? { AGORA_BENCH_PACER_TRACE: traceFile } : {}) },
	});
	const requests = await ctx.emulator.admin('GET', 'requests');
	if (process.env.P7_KEEP_REQUESTS) fs.writeFileSync(path.join(ctx.work, `requests-P7-${side.key}-${row.files}-${Date.now()}.json`), JSON.stringify({ requests, traceFile }));
	const out = { ok: false, files: row.files };
	if (!result.ok) {
		out.error = result.errorMessage;
		return out;
	}
	const list = nodeRuns(result.run, 'List')[0];
	const downloads = nodeRuns(result.run, W.BENCH_NODE);
	if (!list || !downloads.length) {
		out.error = 'the list or the download node did not run';
		return out;
	}
	const start = list.startTime;
	const end = Math.max(...downloads.map((task) => task.startTime + task.executionTime));
	const items = downloads.flatMap((task) => task.data?.main?.[0] ?? []);
	const downloadRequests = requests.filter((q) => q.operation === 'downloadFile');
	const listRequests = requests.filter((q) => q.operation === 'listFiles');
	const stored = items.filter((item) => item.binary?.data && !isFailedItem(item));
	out.ms = end - start;
	out.listMs = list.executionTime;
	const firstDownload = Math.min(...downloadRequests.map((q) => q.receivedAt));
	// Where the time goes: the list node, n8n between the nodes, its loop before the first download, the downloads
	// themselves (first arrival to last answer), and n8n after the last answer until the node ends.
	const lastAnswer = Math.max(...downloadRequests.map((q) => q.answeredAt ?? q.receivedAt));
	if (Number.isFinite(firstDownload)) {
		out.phasesMs = {
			list: list.executionTime,
			betweenNodes: downloads[0].startTime - (list.startTime + list.executionTime),
			// From the download node's start to its first request at the service: n8n's loop over the items.
			beforeFirstDownload: firstDownload - downloads[0].startTime,
			downloads: lastAnswer - firstDownload,
			afterLastAnswer: end - lastAnswer,
		};
	}
	const profileFile = path.join(ctx.work, profileName);
	if (cpuProfile && fs.existsSync(profileFile)) {
		const windowStartUs = downloads[0].startTime * 1000 + offsetUs;
		out.cpu = summariseProfile(profileFile, { windowStartUs, windowEndUs: end * 1000 + offsetUs, oursMarker: ctx.oursMarker, top: 12 });
		// n8n's loop over the items, before any download can leave.
		if (Number.isFinite(firstDownload)) out.cpuBeforeFirst = summariseProfile(profileFile, { windowStartUs, windowEndUs: firstDownload * 1000 + offsetUs, oursMarker: ctx.oursMarker, top: 12 });
	}
	if (traceFile && fs.existsSync(traceFile)) {
		const { held = [] } = JSON.parse(fs.readFileSync(traceFile, 'utf8'));
		out.heldMs = { p50: summary(held).median, p95: percentile(held, 95) };
	}
	out.listRequests = listRequests.length;
	out.floorMs = ((row.files + listRequests.length) / RATE_LIMIT) * 1000;
	out.failedItems = items.filter(isFailedItem).length + Math.max(0, row.files - items.length);
	out.stored = stored.length;
	out.distinctDownloads = new Set(downloadRequests.filter((q) => q.status === 200).map((q) => q.fileId)).size;
	out.status429 = requests.filter((q) => q.status === 429).length;
	out.refusedPct = (100 * out.status429) / requests.length;
	out.requests = requests.length;
	out.tree = around(result.memory.treeSeries, start, end);
	out.main = around(result.memory.series, start, end);
	// Named as the list says, for our node (the HTTP Request node names a file after the URL's last segment).
	if (side.key !== 'http') {
		const names = new Map(nodeItems(result.run, 'List').map((item) => [item.json.file_id, item.json.file_name]));
		const misnamed = stored.filter((item) => names.get(item.json.fileId) !== item.binary.data.fileName).length;
		if (misnamed) out.error = `${misnamed} files not named as in the list`;
	}
	// The HTTP Request node does not retry the service's 429: files it lost that way are its figure's failed items, not a failed run.
	const lostTo429 = side.key === 'http' && out.failedItems === row.files - out.stored && out.status429 >= out.failedItems;
	if (out.stored !== row.files && !lostTo429) out.error = `${out.stored} of ${row.files} files stored (${out.status429} answers 429 of ${out.requests} requests, ${out.failedItems} failed items${out.ms ? `, ${(out.ms / 1000).toFixed(1)} s` : ''})`;
	out.ok = !out.error;
	return out;
}

async function waitForFile(file, ms) {
	for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (fs.existsSync(file)) return true;
	return false;
}

/**
 * Signals the n8n process (heap-probe.cjs) twice: when the first request reaches the service (n8n loaded, the
 * run just begun: the baseline) and 2 s after every file was answered (200, or refused: the HTTP Request node does not retry a 429) (the download node done, the Wait node
 * holding the execution). Each signal forces a garbage collection and writes what is still alive.
 */
function peakSignaller(ctx, row, dir) {
	let stopped = false;
	const state = { signals: [] };
	const signal = async (child, n) => {
		process.kill(child.pid, 'SIGUSR2');
		state.signals.push(Date.now());
		if (!(await waitForFile(path.join(dir, `mem-${n}.json`), 30_000))) throw new Error(`the probe wrote no mem-${n}.json`);
	};
	const served = async () => {
		const requests = await ctx.emulator.admin('GET', 'requests');
		state.requests = requests.length;
		return { any: requests.length > 0, files: new Set(requests.filter((q) => q.operation === 'downloadFile' && q.status).map((q) => q.fileId)).size };
	};
	return {
		state,
		onSpawn(child) {
			state.done = (async () => {
				while (!stopped && !(await served()).any) await sleep(20);
				if (stopped) throw new Error('the run ended before its first request');
				await signal(child, 1);
				while (!stopped && (state.served = (await served()).files) < row.files) await sleep(250);
				if (stopped) throw new Error(`the run ended with ${state.served} of ${row.files} files answered (${state.requests} requests)`);
				await sleep(2000);
				await signal(child, 2);
			})().catch((error) => (state.error = error.message));
			return { stop: () => (stopped = true) };
		},
	};
}

async function profileMirror(ctx, row, side) {
	const dir = path.join(ctx.work, `heap-${side.key}-${row.files}`);
	fs.mkdirSync(dir, { recursive: true });
	await ctx.emulator.admin('DELETE', 'requests');
	const signaller = peakSignaller(ctx, row, dir);
	const result = await executeN8n(ctx.env, side.wf(row), {
		sampleMemory: 'tree',
		timeoutMs: 900_000,
		nodeFlags: ['--require', HEAP_HOOK],
		// AGORA_BENCH_HEAP_ALL=1 (see heap-probe.cjs): every allocation since start-up, also what was freed since.
		extraEnv: { ...MIRROR_ENV, AGORA_BENCH_HEAP_DIR: dir, ...(process.env.AGORA_BENCH_HEAP_ALL ? { AGORA_BENCH_HEAP_ALL: '1' } : {}) },
		onSpawn: (child) => signaller.onSpawn(child),
	});
	await signaller.state.done;
	const out = { key: side.key, label: side.label, files: row.files, dir, ok: result.ok, ms: result.ms, error: result.ok ? signaller.state.error : result.errorMessage };
	const [first, peak] = signaller.state.signals;
	if (first && peak) {
		// The tree's RSS (n8n and its task runner) as the figure measures it: idle = the last sample before the
		// first request, peak = the highest sample up to the second signal.
		out.tree = around(result.memory.treeSeries, first, peak);
		out.main = around(result.memory.series, first, peak);
	}
	out.heap = summariseHeap(dir, { oursMarker: ctx.oursMarker });
	if (!out.heap && !out.error) out.error = 'the probe wrote no profiles';
	return out;
}

async function cpuProfileRows(ctx) {
	const rows = [];
	const ms = (x) => `${x.toFixed(0)} ms`;
	for (const row of MIRROR_ROWS) {
		for (const side of SIDES.filter((s) => CPU_PROFILE.sides.includes(s.key))) {
			await sleep(1100);
			const r = await measureMirror(ctx, row, side, { cpuProfile: true });
			rows.push({ files: row.files, side: side.key, ...r });
			if (!r.cpu) {
				ctx.log(`  ${row.files} files, CPU profile ${side.key}: FAILED: ${r.error ?? 'no profile written'}`);
				continue;
			}
			ctx.log(`  ${row.files} files, CPU profile ${side.key} (${side.label}): ${(r.ms / 1000).toFixed(1)} s (${(r.ms / r.floorMs).toFixed(2)} x the floor)${r.error ? `, ${r.error}` : ''}`);
			for (const [title, c] of [[`before the first download (${r.phasesMs?.beforeFirstDownload} ms: n8n's loop over the items)`, r.cpuBeforeFirst], ['the download node\'s whole run', r.cpu]]) {
				if (!c) continue;
				ctx.log(`    ${title}: ${ms(c.windowMs)}, main thread busy in JS ${ms(c.busyMs)} (${((100 * c.busyMs) / c.windowMs).toFixed(0)} %), idle or native ${ms(c.idleOrProgramMs)}; per file ${(c.busyMs / row.files).toFixed(2)} ms; our code (in its stack) ${ms(c.oursStackMs)}, its own frames ${ms(c.oursSelfMs)}`);
				for (const b of c.buckets) ctx.log(`    ${ms(b.ms).padStart(9)}  ${b.label}`);
				ctx.log('    top self time:');
				for (const t of c.topSelf) ctx.log(`    ${ms(t.ms).padStart(9)}  ${t.fn}  ${t.where}`);
			}
		}
	}
	return rows;
}

async function profileRows(ctx) {
	const rows = [];
	for (const row of MIRROR_ROWS) {
		for (const side of PROFILED_SIDES.filter((s) => HEAP_PROFILE.sides.includes(s.key))) {
			await sleep(1100);
			const r = await profileMirror(ctx, row, side);
			rows.push(r);
			ctx.log(`  ${row.files} files, heap profile ${side.key}: ${r.error ? `FAILED: ${r.error}` : `tree ${r.tree?.idleMiB.toFixed(0)} -> ${r.tree?.peakMiB.toFixed(0)} MiB, main ${r.main?.idleMiB.toFixed(0)} -> ${r.main?.peakMiB.toFixed(0)} MiB (profiles in ${r.dir})`}`);
			if (r.heap) for (const line of heapTable(`  ${side.label}, ${row.files} files`, r.heap)) ctx.log(line);
		}
	}
	return rows;
}

export const P7 = {
	key: 'P7',
	title: 'Mirror a group: Get Many → Download, 2,000 and 10,000 files of 16 KiB at 100 calls/s',
	workflows: ({ emulatorUrl }) =>
		MIRROR_ROWS.flatMap((row) => [
			W.mirrorChatGroup(`bP7cg${row.files}`, { groupId: row.group }),
			W.mirrorHttp(`bP7http${row.files}`, { groupId: row.group, baseUrl: emulatorUrl }),
			W.mirrorChatGroup(`bP7loop${row.files}`, { groupId: row.group, loopBatchSize: LOOP_BATCH }),
			W.mirrorChatGroup(`bP7batch${row.files}`, { groupId: row.group, requestBatching: REQUEST_BATCHING }),
			W.mirrorChatGroup(`bP7name${row.files}`, { groupId: row.group, fileNameFromNode: true }),
			W.mirrorChatGroup(`bP7cgHeap${row.files}`, { groupId: row.group, holdSeconds: HOLD_SECONDS }),
			W.mirrorHttp(`bP7httpHeap${row.files}`, { groupId: row.group, baseUrl: emulatorUrl, holdSeconds: HOLD_SECONDS }),
		]),
	async run(ctx) {
		for (const row of MIRROR_ROWS) {
			await ctx.emulator.admin('POST', 'groups', { groupId: row.group });
			await ctx.emulator.admin('POST', 'seed', { groupId: row.group, count: row.files, sizeBytes: MIRROR_FILE_BYTES });
		}
		await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: RATE_LIMIT, rateLimitMode: 'window' });
		const rows = [];
		const limited = MIRROR_MEMORY_LIMIT.bytes ? memoryLimitedNode(ctx, MIRROR_MEMORY_LIMIT.bytes) : undefined;
		ctx = limited ? { ...ctx, limitedEnv: limited.env } : ctx;
		if (limited) ctx.log(`  every n8n process in the memory cgroup ${limited.group} (${(MIRROR_MEMORY_LIMIT.bytes / 2 ** 20).toFixed(0)} MiB)`);
		try {
			if (HEAP_PROFILE.enabled) return { rows, heapProfiles: await profileRows(ctx) };
			if (CPU_PROFILE.enabled) return { rows, cpuProfiles: await cpuProfileRows(ctx) };
			for (const row of MIRROR_ROWS) {
				const reps = Math.max(1, Math.round(ctx.reps * row.repsShare));
				const runs = Object.fromEntries(SIDES.map((s) => [s.key, []]));
				for (let rep = 0; rep < reps; rep++) {
					for (const side of rotated(SIDES, rep)) {
						if (side.once && rep > 0) continue;
						await sleep(1100); // the service's second is real time: start with it empty
						const r = await measureMirror(ctx, row, side);
						r.rep = rep;
						runs[side.key].push(r);
						ctx.log(
							`  ${row.files} files, rep ${rep + 1}/${reps} ${side.key.padEnd(6)} ${r.ok ? `${(r.ms / 1000).toFixed(1)} s (floor ${(r.floorMs / 1000).toFixed(1)} s), ${r.status429} x 429, tree ${r.tree?.idleMiB.toFixed(0)} -> ${r.tree?.peakMiB.toFixed(0)} MiB, phases ${Object.entries(r.phasesMs ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')} ms${r.heldMs ? `, turn held grant -> answer p50 ${r.heldMs.p50.toFixed(0)} / p95 ${r.heldMs.p95.toFixed(0)} ms` : ''}` : `FAILED: ${r.error}`}`,
						);
					}
				}
				const stats = (key) => {
					const ok = runs[key].filter((r) => r.ok);
					return {
						label: SIDES.find((s) => s.key === key).label,
						n: ok.length,
						ms: summary(ok.map((r) => r.ms)),
						ratio: summary(ok.map((r) => r.ms / r.floorMs)),
						floorMs: summary(ok.map((r) => r.floorMs)),
						listRequests: summary(ok.map((r) => r.listRequests)),
						failedItems: summary(ok.map((r) => r.failedItems)),
						status429: summary(ok.map((r) => r.status429)),
						refusedPct: summary(ok.map((r) => r.refusedPct)),
						treeIdleMiB: summary(ok.map((r) => r.tree?.idleMiB)),
						treeGrowthMiB: summary(ok.map((r) => r.tree?.growthMiB)),
						mainGrowthMiB: summary(ok.map((r) => r.main?.growthMiB)),
						firstDownloadMs: summary(ok.map((r) => r.phasesMs?.beforeFirstDownload)),
						heldP50Ms: summary(ok.map((r) => r.heldMs?.p50)),
						heldP95Ms: summary(ok.map((r) => r.heldMs?.p95)),
						failures: runs[key].filter((r) => !r.ok).map((r) => `rep ${r.rep + 1}: ${r.error}`),
					};
				};
				rows.push({ files: row.files, reps, sides: Object.fromEntries(SIDES.map((s) => [s.key, stats(s.key)])) });
			}
		} finally {
			await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0 });
			try {
				limited?.remove();
			} catch {
				// A process still in it keeps the group; it goes with the machine.
			}
		}
		return { rows };
	},
	targets(res) {
		return res.rows.flatMap((row) => {
			const cg = row.sides.cg;
			const memoryGoal = row.files <= 2000 ? 100 : 200;
			return [
				{
					name: `P7 mirror ${row.files.toLocaleString('en-US')} files: time ≤ 1.1 × the floor ((files + pages) / 100 s), 0 failed, ≤ 1 % refused`,
					met: cg.n > 0 && cg.ratio.median <= 1.1 && cg.failedItems.max === 0 && cg.refusedPct.max <= 1,
					value: `${(cg.ms.median / 1000).toFixed(1)} s = ${cg.ratio.median.toFixed(2)} × the floor of ${(cg.floorMs.median / 1000).toFixed(2)} s (HTTP Request ${row.sides.http?.ratio.median.toFixed(2) ?? 'not run'} ×${row.sides.http?.failedItems.max ? `, ${row.sides.http.failedItems.median} files lost to 429 (it does not retry them)` : ''}${row.sides.cgBatch ? `; with Request Options → Batching ${row.sides.cgBatch.ratio.median.toFixed(2)} ×` : ''}), failed max ${cg.failedItems.max}, refused ${cg.refusedPct.median.toFixed(1)} %`,
				},
				{
					name: `P7 mirror ${row.files.toLocaleString('en-US')} files: n8n's process tree grows ≤ ${memoryGoal} MiB over its idle level`,
					met: cg.n > 0 && cg.treeGrowthMiB.median <= memoryGoal,
					value: `+${cg.treeGrowthMiB.median.toFixed(0)} MiB (HTTP Request +${row.sides.http?.treeGrowthMiB.median.toFixed(0) ?? 'not run'} MiB; in Loop Over Items ${LOOP_BATCH} per batch +${row.sides.cgLoop?.treeGrowthMiB.median.toFixed(0) ?? 'not run'} MiB)`,
				},
			];
		});
	},
};
