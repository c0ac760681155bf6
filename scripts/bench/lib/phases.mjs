// The four measurements. Each phase declares its workflows (imported together before anything runs)
// and a run(ctx) that executes them, alternating the sides of every comparison within each repetition.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { readBinaryData } from '../../e2e/n8n-cli.mjs';
import { memoryTable, pairedGrowth, summariseMemoryProbe } from './memory-summary.mjs';
import { executeN8n, nodeItems, nodeTask, rssAroundNode } from './n8n-exec.mjs';
import { monotonicOffsetUs, summariseProfile } from './profile.mjs';
import { maxInWindow, rotated, summary } from './stats.mjs';
import * as W from './workflows.mjs';

export const GROUPS = {
	announcement: 'bench-announcement',
	uploads: 'bench-uploads',
	downloads: 'bench-downloads',
	pages: 'bench-pages',
};
export const ITEMS = 1000;
export const PAGE_FILES = 10_000;
export const BIG_BYTES = 10 * 1024 * 1024;
export const LIMITS = [50, 1000, 1500, 2500];
const EMULATOR_RATE_LIMIT = 100;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** An item counts as failed when n8n attached an error to it (Continue On Fail) or put one in its json. */
const isFailedItem = (item) => Boolean(item.error || item.json?.error);

/**
 * Runs one workflow and checks it did what it should. Returns { ok, error?, execMs, items, requests, memory }.
 * `check(items, requests)` returns an error message or nothing. The emulator's request log is cleared first.
 */
async function measure(ctx, id, { check, nodeFlags, sampleMemory, extraEnv } = {}) {
	await ctx.emulator.admin('DELETE', 'requests');
	const result = await executeN8n(ctx.env, id, { nodeFlags, sampleMemory, extraEnv });
	const requests = await ctx.emulator.admin('GET', 'requests');
	const out = { id, ok: false, ms: result.ms, memory: result.memory, requests, run: result.run };
	if (!result.ok) {
		out.error = `${result.errorMessage}${result.stdout ? `\n${result.stdout.split('\n').slice(-8).join('\n')}` : ''}`;
		ctx.log(`  ! ${id}: ${result.errorMessage}`);
		return out;
	}
	try {
		const task = nodeTask(result.run, W.BENCH_NODE);
		out.execMs = task.executionTime;
		out.startTime = task.startTime;
		out.items = nodeItems(result.run, W.BENCH_NODE);
		out.nodeRss = rssAroundNode(result.memory, task.startTime, task.executionTime);
		// When the first request reached the emulator after the node started, and how long the requests
		// took from first to last (same machine, same wall clock).
		if (requests.length) {
			const times = requests.map((q) => q.receivedAt);
			const first = Math.min(...times);
			out.firstRequestMs = first - task.startTime;
			out.requestSpanMs = Math.max(...times) - first;
		}
		const problem = check?.(out.items, requests);
		if (problem) throw new Error(problem);
		out.ok = true;
	} catch (error) {
		out.error = error.message;
		ctx.log(`  ! ${id}: ${error.message}`);
	}
	return out;
}

/** Runs `sides` (each { key, wf, check, ... }) ctx.reps times, in a rotated order per repetition. */
async function alternate(ctx, sides, opts = {}) {
	const runs = Object.fromEntries(sides.map((s) => [s.key, []]));
	for (let rep = 0; rep < ctx.reps; rep++) {
		for (const side of rotated(sides, rep)) {
			if (opts.before) await opts.before(side);
			const extra = opts.runOptions?.(side, rep) ?? {};
			const r = await measure(ctx, side.wf, { check: side.check, sampleMemory: opts.sampleMemory, ...extra });
			if (opts.after) await opts.after(side, r, extra);
			r.rep = rep;
			runs[side.key].push(r);
			ctx.log(`  rep ${rep + 1}/${ctx.reps} ${side.key.padEnd(14)} ${r.ok ? `node ${String(r.execMs).padStart(6)} ms` : 'FAILED'}${r.memory ? `  VmHWM ${(r.memory.hwmKiB / 1024).toFixed(1)} MiB` : ''}${r.nodeRss ? `, RSS ${(r.nodeRss.beforeKiB / 1024).toFixed(1)} -> ${(r.nodeRss.peakKiB / 1024).toFixed(1)} MiB in the node` : ''}  (process ${(r.ms / 1000).toFixed(1)} s)`);
		}
	}
	return runs;
}

const okRuns = (runs) => runs.filter((r) => r.ok);
const execSummary = (runs) => summary(okRuns(runs).map((r) => r.execMs));
const firstRequestSummary = (runs) => summary(okRuns(runs).map((r) => r.firstRequestMs));
/** Requests per second between the first and the last request: the pace once requests flow. */
const flowRateSummary = (runs) => summary(okRuns(runs).filter((r) => r.requestSpanMs > 0).map((r) => (r.requests.length - 1) / (r.requestSpanMs / 1000)));
const failures = (runs) => runs.filter((r) => !r.ok).map((r) => `rep ${r.rep + 1}: ${r.error?.split('\n')[0]}`);

function expectAnnouncements(count) {
	return (items, requests) => {
		if (items.length !== count) return `expected ${count} items, got ${items.length}`;
		const bad = items.filter(isFailedItem).length;
		if (bad) return `${bad} items failed`;
		if (requests.length !== count) return `expected ${count} requests at the emulator, got ${requests.length}`;
		return undefined;
	};
}

// ---------------------------------------------------------------------------------------------
// P1: per-item overhead, 1,000 × Announcement Get, emulator rate limit off
// ---------------------------------------------------------------------------------------------

export const P1 = {
	key: 'P1',
	title: 'Overhead: 1,000 × Announcement Get',
	workflows: ({ emulatorUrl, relayUrl }) => {
		const g = GROUPS.announcement;
		return [
			W.announcementChatGroup('bP1cgPaced', { count: ITEMS, groupId: g, cred: W.CRED.agoraDefault }),
			W.announcementChatGroup('bP1cgNoPace', { count: ITEMS, groupId: g, cred: W.CRED.agoraNoPace }),
			W.announcementHttp('bP1httpCred', { count: ITEMS, groupId: g, baseUrl: emulatorUrl, auth: 'credential' }),
			W.announcementHttp('bP1httpHeader', { count: ITEMS, groupId: g, baseUrl: emulatorUrl, auth: 'header' }),
			W.announcementChatGroup('bP1cgNoPace1', { count: 1, groupId: g, cred: W.CRED.agoraNoPace }),
			W.announcementHttp('bP1httpCred1', { count: 1, groupId: g, baseUrl: emulatorUrl, auth: 'credential' }),
			W.announcementHttp('bP1httpHeader1', { count: 1, groupId: g, baseUrl: emulatorUrl, auth: 'header' }),
			// Through the counting relay: how many TCP connections 1,000 requests open.
			W.announcementChatGroup('bP1cgRelay', { count: ITEMS, groupId: g, cred: W.CRED.agoraProxy }),
			W.announcementHttp('bP1httpRelay', { count: ITEMS, groupId: g, baseUrl: relayUrl, auth: 'credential' }),
			// The other token sources (pacing off).
			W.announcementChatGroup('bP1cgCert', { count: ITEMS, groupId: g, cred: W.CRED.agoraCert }),
			W.announcementChatGroup('bP1cgClient', { count: ITEMS, groupId: g, cred: W.CRED.agoraClient }),
		];
	},
	async run(ctx) {
		await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0 });
		const side = (key, wf, count, label) => ({ key, wf, label, count, check: expectAnnouncements(count) });
		const sides = [
			side('cgPaced', 'bP1cgPaced', ITEMS, 'Agora Chat Group, default pacing (Requests per Second left at its default)'),
			side('cgNoPace', 'bP1cgNoPace', ITEMS, 'Agora Chat Group, pacing off (requestsPerSecond 0)'),
			side('httpCred', 'bP1httpCred', ITEMS, 'HTTP Request, Header Auth credential'),
			side('httpHeader', 'bP1httpHeader', ITEMS, 'HTTP Request, header typed in (no credential; lower bound)'),
			side('cgNoPace1', 'bP1cgNoPace1', 1, 'Agora Chat Group, pacing off, 1 item'),
			side('httpCred1', 'bP1httpCred1', 1, 'HTTP Request, credential, 1 item'),
			side('httpHeader1', 'bP1httpHeader1', 1, 'HTTP Request, header typed in, 1 item'),
		];
		const runs = await alternate(ctx, sides);
		const stats = Object.fromEntries(
			sides.map((s) => [
				s.key,
				{ label: s.label, count: s.count, exec: execSummary(runs[s.key]), firstRequest: firstRequestSummary(runs[s.key]), flowRate: flowRateSummary(runs[s.key]), failures: failures(runs[s.key]) },
			]),
		);
		// The connection header the emulator saw (same for every request of a run).
		const connectionHeader = {};
		for (const key of ['cgNoPace', 'httpCred', 'httpHeader']) {
			const values = new Set(okRuns(runs[key]).flatMap((r) => r.requests.map((q) => q.headers.connection ?? '(none)')));
			connectionHeader[key] = [...values].join(', ');
		}

		// What the overhead is made of: TCP connections per 1,000 requests (through the relay) ...
		ctx.log('  counting TCP connections through a relay ...');
		const connections = {};
		for (const [key, wf] of [['cgNoPace', 'bP1cgRelay'], ['httpCred', 'bP1httpRelay']]) {
			ctx.relay.reset();
			const r = await measure(ctx, wf, { check: expectAnnouncements(ITEMS) });
			connections[key] = r.ok ? { connections: ctx.relay.count(), requests: r.requests.length } : { error: r.error };
		}
		// ... the other token sources: what a run costs, and how many token requests it makes (one run each;
		// Client ID + Secret first with no stored token, as after creating the credential, then again) ...
		ctx.log('  token sources ...');
		const apiRequests = (requests) => requests.filter((q) => q.operation !== 'token');
		const tokenRequests = (requests) => requests.filter((q) => q.operation === 'token');
		const tokenSources = [];
		const tokenRun = async (label, wf) => {
			const r = await measure(ctx, wf, { check: (items) => (items.length === ITEMS && !items.some(isFailedItem) ? undefined : 'items failed or missing') });
			tokenSources.push({ label, ok: r.ok, error: r.error, execMs: r.execMs, tokenRequests: tokenRequests(r.requests).length, apiRequests: apiRequests(r.requests).length });
			ctx.log(`  ${label}: ${r.ok ? `node ${r.execMs} ms` : 'FAILED'}, ${tokenRequests(r.requests).length} token requests`);
		};
		await tokenRun('App ID + App Certificate', 'bP1cgCert');
		await ctx.reimportCredential(W.CRED.agoraClient.id);
		await tokenRun('Client ID + Client Secret, no stored token yet (first run)', 'bP1cgClient');
		await tokenRun('Client ID + Client Secret, token stored (next run)', 'bP1cgClient');

		// ... and a CPU profile of one n8n execute per side, summarised over the node's own run.
		ctx.log('  CPU profiles (--cpu-prof) ...');
		const profiles = {};
		// 1,000 items for the cost per item, 1 item (finer sampling) for the fixed cost of a run.
		for (const [key, wf, count, intervalUs] of [
			['cgNoPace', 'bP1cgNoPace', ITEMS, 500],
			['httpCred', 'bP1httpCred', ITEMS, 500],
			['cgNoPace1', 'bP1cgNoPace1', 1, 100],
			['httpCred1', 'bP1httpCred1', 1, 100],
		]) {
			const dir = path.join(ctx.work, 'profiles');
			fs.mkdirSync(dir, { recursive: true });
			const name = `${key}.cpuprofile`;
			const offsetUs = monotonicOffsetUs();
			const r = await measure(ctx, wf, { check: expectAnnouncements(count), nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`, `--cpu-prof-interval=${intervalUs}`] });
			const file = path.join(dir, name);
			if (!r.ok || !fs.existsSync(file)) {
				profiles[key] = { error: r.error ?? 'no profile written' };
				continue;
			}
			const windowStartUs = r.startTime * 1000 + offsetUs;
			profiles[key] = {
				execMs: r.execMs,
				intervalUs,
				file,
				...summariseProfile(file, { windowStartUs, windowEndUs: windowStartUs + r.execMs * 1000, oursMarker: ctx.oursMarker }),
			};
		}
		return { stats, connectionHeader, connections, tokenSources, profiles };
	},
	targets(res) {
		const cg = res.stats.cgNoPace.exec.median;
		const http = res.stats.httpCred.exec.median;
		const ratio = cg / http;
		return [{ name: 'P1 Agora Chat Group (pacing off) ≤ 1.0 × credentialed HTTP Request (per-item overhead)', met: ratio <= 1.0, value: `${ratio.toFixed(2)} × (${cg} ms vs ${http} ms, medians)` }];
	},
};

// ---------------------------------------------------------------------------------------------
// P2: peak memory of one 10 MiB upload / download (n8n's default binary mode: filesystem)
// ---------------------------------------------------------------------------------------------

/**
 * `--memory-probe`: instead of the figures, one run of each P2 workflow with memory-probe.cjs preloaded (and
 * --expose-gc): where the node's memory growth goes, by the calls that allocate it. Never part of the figures.
 */
export const MEMORY_PROBE = { enabled: false };
const MEMORY_HOOK = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));
const PROBED_PAIRS = [
	{ label: 'Read/Write Files (read)', tiny: 'readTiny', big: 'readBig' },
	{ label: 'node download', tiny: 'dnCgTiny', big: 'dnCgBig' },
	{ label: 'HTTP Request download', tiny: 'dnHttpTiny', big: 'dnHttpBig' },
	{ label: 'node upload', tiny: 'upCgTiny', big: 'upCgBig' },
	{ label: 'HTTP Request upload', tiny: 'upHttpTiny', big: 'upHttpBig' },
];

async function probeMemory(ctx, sides, fileBytes) {
	const dir = path.join(ctx.work, 'memory-probe');
	fs.mkdirSync(dir, { recursive: true });
	const probed = {};
	for (const side of sides) {
		const file = path.join(dir, `${side.key}.json`);
		const r = await measure(ctx, side.wf, { check: side.check, sampleMemory: true, nodeFlags: ['--expose-gc', '--require', MEMORY_HOOK], extraEnv: { AGORA_BENCH_MEMORY_PROBE: file } });
		probed[side.key] = { ok: r.ok, error: r.error, file, summary: r.ok && fs.existsSync(file) ? summariseMemoryProbe(file, W.BENCH_NODE) : undefined };
		ctx.log(`  probed ${side.key.padEnd(11)} ${r.ok ? `node ${r.execMs} ms` : `FAILED: ${r.error?.split('\n')[0]}`}`);
	}
	const rows = PROBED_PAIRS.map((pair) => {
		const big = probed[pair.big]?.summary;
		const tiny = probed[pair.tiny]?.summary;
		return { label: pair.label, big, tiny, growth: big && tiny ? pairedGrowth(big, tiny) : undefined, error: probed[pair.big]?.error ?? probed[pair.tiny]?.error };
	});
	for (const line of memoryTable(rows, { fileBytes })) ctx.log(line);
	ctx.log(`  (probe files in ${dir}; --keep keeps them)`);
	return rows.map(({ label, growth, big }) => ({ label, growth, ms: big?.ms, before: big?.before, stacks: big?.stacks.slice(0, 12).map(({ stack, ...s }) => s) }));
}

export const P2 = {
	key: 'P2',
	title: 'Memory: one 10 MiB upload and download',
	workflows: ({ emulatorUrl, files, downloadIds }) => {
		const up = GROUPS.uploads;
		const down = GROUPS.downloads;
		const readOnly = (id, filePath) => ({
			id,
			name: id,
			active: false,
			settings: { executionOrder: 'v1' },
			pinData: {},
			nodes: [
				{ id: 'r0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{ id: 'r0000000-0000-4000-8000-000000000002', name: W.BENCH_NODE, type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, position: [220, 0], parameters: { operation: 'read', fileSelector: filePath, options: {} } },
			],
			connections: { Start: { main: [[{ node: W.BENCH_NODE, type: 'main', index: 0 }]] } },
		});
		return [
			readOnly('bP2readTiny', files.tiny),
			readOnly('bP2readBig', files.big),
			W.uploadChatGroup('bP2upCgTiny', { filePath: files.tiny, groupId: up }),
			W.uploadChatGroup('bP2upCgBig', { filePath: files.big, groupId: up }),
			W.uploadHttp('bP2upHttpTiny', { filePath: files.tiny, groupId: up, baseUrl: emulatorUrl }),
			W.uploadHttp('bP2upHttpBig', { filePath: files.big, groupId: up, baseUrl: emulatorUrl }),
			W.downloadChatGroup('bP2dnCgTiny', { groupId: down, fileId: downloadIds.tiny }),
			W.downloadChatGroup('bP2dnCgBig', { groupId: down, fileId: downloadIds.big }),
			W.downloadHttp('bP2dnHttpTiny', { groupId: down, fileId: downloadIds.tiny, baseUrl: emulatorUrl }),
			W.downloadHttp('bP2dnHttpBig', { groupId: down, fileId: downloadIds.big, baseUrl: emulatorUrl }),
		];
	},
	async run(ctx) {
		const { sizes, hashes } = ctx.files;
		const uploaded = (size) => (items, requests) => {
			const part = requests.find((q) => q.multipart)?.multipart;
			if (items.length !== 1 || isFailedItem(items[0])) return 'the upload failed';
			if (part?.size !== size) return `the emulator received a file part of ${part?.size} bytes, expected ${size}`;
			return undefined;
		};
		const downloaded = (which) => (items) => {
			if (items.length !== 1 || !items[0].binary?.data) return 'no binary data in the output';
			const bytes = readBinaryData(ctx.env, items[0].binary.data);
			return sha256(bytes) === hashes[which] ? undefined : `downloaded ${bytes.length} bytes, not the stored file`;
		};
		const readBack = (size) => (items) => {
			if (items.length !== 1 || !items[0].binary?.data) return 'the file was not read';
			const bytes = readBinaryData(ctx.env, items[0].binary.data);
			return bytes.length === size ? undefined : `read ${bytes.length} bytes, expected ${size}`;
		};
		const sides = [
			{ key: 'readTiny', wf: 'bP2readTiny', check: readBack(sizes.tiny) },
			{ key: 'readBig', wf: 'bP2readBig', check: readBack(sizes.big) },
			{ key: 'upCgTiny', wf: 'bP2upCgTiny', check: uploaded(sizes.tiny) },
			{ key: 'upCgBig', wf: 'bP2upCgBig', check: uploaded(sizes.big) },
			{ key: 'upHttpTiny', wf: 'bP2upHttpTiny', check: uploaded(sizes.tiny) },
			{ key: 'upHttpBig', wf: 'bP2upHttpBig', check: uploaded(sizes.big) },
			{ key: 'dnCgTiny', wf: 'bP2dnCgTiny', check: downloaded('tiny') },
			{ key: 'dnCgBig', wf: 'bP2dnCgBig', check: downloaded('big') },
			{ key: 'dnHttpTiny', wf: 'bP2dnHttpTiny', check: downloaded('tiny') },
			{ key: 'dnHttpBig', wf: 'bP2dnHttpBig', check: downloaded('big') },
		];
		if (MEMORY_PROBE.enabled) return { memoryProbe: await probeMemory(ctx, sides, sizes.big - sizes.tiny) };
		const runs = await alternate(ctx, sides, { sampleMemory: true });
		const hwmMiB = (r) => r.memory.hwmKiB / 1024;
		// RSS the measured node added on top of what the process had just before it started.
		const inNodeMiB = (r) => (r.nodeRss ? (r.nodeRss.peakKiB - r.nodeRss.beforeKiB) / 1024 : NaN);
		const sizeMiB = (sizes.big - sizes.tiny) / 1024 / 1024;
		const perSize = (s) => ({ n: s.n, median: s.median / sizeMiB, min: s.min / sizeMiB, max: s.max / sizeMiB });
		// Growth is paired within a repetition: the 10 MiB run minus the 1-byte run of the same workflow.
		const paired = (tinyKey, bigKey, metric) => {
			const values = [];
			for (let rep = 0; rep < ctx.reps; rep++) {
				const t = runs[tinyKey].find((r) => r.rep === rep && r.ok && r.memory?.hwmKiB);
				const b = runs[bigKey].find((r) => r.rep === rep && r.ok && r.memory?.hwmKiB);
				if (t && b) values.push(metric(b) - metric(t));
			}
			return summary(values);
		};
		const growth = (tinyKey, bigKey) => {
			const s = paired(tinyKey, bigKey, hwmMiB);
			const inNode = paired(tinyKey, bigKey, inNodeMiB);
			return {
				tinyHwm: summary(okRuns(runs[tinyKey]).map(hwmMiB)),
				bigHwm: summary(okRuns(runs[bigKey]).map(hwmMiB)),
				bigExec: execSummary(runs[bigKey]),
				growthMiB: s,
				ratio: perSize(s),
				inNodeMiB: inNode,
				inNodeRatio: perSize(inNode),
				failures: [...failures(runs[tinyKey]), ...failures(runs[bigKey])],
			};
		};
		return {
			read: growth('readTiny', 'readBig'),
			upload: { cg: growth('upCgTiny', 'upCgBig'), http: growth('upHttpTiny', 'upHttpBig') },
			download: { cg: growth('dnCgTiny', 'dnCgBig'), http: growth('dnHttpTiny', 'dnHttpBig') },
		};
	},
	targets(res) {
		if (res.memoryProbe) return [];
		const up = res.upload.cg.ratio.median;
		const down = res.download.cg.ratio.median;
		return [
			{
				name: 'P2 Agora Chat Group upload: process peak RSS growth ≤ 1.1 × file size',
				met: up <= 1.1,
				value: `${up.toFixed(2)} × (HTTP Request ${res.upload.http.ratio.median.toFixed(2)} ×; Read/Write Files alone ${res.read.ratio.median.toFixed(2)} ×; added during the node ${res.upload.cg.inNodeRatio.median.toFixed(2)} ×, HTTP Request ${res.upload.http.inNodeRatio.median.toFixed(2)} ×)`,
			},
			{
				name: 'P2 Agora Chat Group download: process peak RSS growth ≤ 1.5 × file size',
				met: down <= 1.5,
				value: `${down.toFixed(2)} × (HTTP Request ${res.download.http.ratio.median.toFixed(2)} ×; added during the node ${res.download.cg.inNodeRatio.median.toFixed(2)} ×, HTTP Request ${res.download.http.inNodeRatio.median.toFixed(2)} ×)`,
			},
		];
	},
};

// ---------------------------------------------------------------------------------------------
// P3: Get Many over 10,000 files
// ---------------------------------------------------------------------------------------------

const listRequests = (requests) => requests.filter((q) => q.method === 'GET' && /\/share_files$/.test(q.path));

export const P3 = {
	key: 'P3',
	title: 'Pagination: Return All over 10,000 files, and Limit',
	workflows: ({ emulatorUrl }) => [
		W.listChatGroup('bP3cgAll', { groupId: GROUPS.pages }),
		W.listHttp('bP3httpAll', { groupId: GROUPS.pages, baseUrl: emulatorUrl }),
		...LIMITS.map((limit) => W.listChatGroup(`bP3cgLimit${limit}`, { groupId: GROUPS.pages, limit })),
	],
	async run(ctx) {
		await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0 });
		const sides = [
			{ key: 'cg', wf: 'bP3cgAll', check: (items) => (items.length === PAGE_FILES ? undefined : `expected ${PAGE_FILES} items, got ${items.length}`) },
			{
				key: 'http',
				wf: 'bP3httpAll',
				// One item per page (the whole response body): count the files inside.
				check: (items) => {
					const files = items.reduce((n, item) => n + (Array.isArray(item.json?.data) ? item.json.data.length : 0), 0);
					return files === PAGE_FILES ? undefined : `expected ${PAGE_FILES} files in the pages, got ${files}`;
				},
			},
		];
		const runs = await alternate(ctx, sides);
		const side = (key) => ({
			exec: execSummary(runs[key]),
			requests: summary(okRuns(runs[key]).map((r) => listRequests(r.requests).length)),
			items: summary(okRuns(runs[key]).map((r) => r.items.length)),
			failures: failures(runs[key]),
		});
		// Limit: which pages were asked for (deterministic, so one run each).
		const limits = [];
		for (const limit of LIMITS) {
			const r = await measure(ctx, `bP3cgLimit${limit}`, { check: (items) => (items.length === limit ? undefined : `expected ${limit} items, got ${items.length}`) });
			const pages = r.ok ? listRequests(r.requests).map((q) => `${q.query.pagenum}×${q.query.pagesize}`) : [];
			limits.push({ limit, ok: r.ok, error: r.error, pages, needed: Math.ceil(limit / 1000), items: r.items?.length, execMs: r.execMs });
			ctx.log(`  limit ${limit}: ${r.ok ? `${pages.length} page(s) ${pages.join(', ')}` : 'FAILED'}`);
		}
		return { cg: side('cg'), http: side('http'), limits };
	},
	targets(res) {
		const cgRequests = res.cg.requests;
		const limitsOk = res.limits.every((l) => l.ok && l.pages.length <= l.needed);
		return [
			{ name: 'P3 Return All over 10,000 files in at most 11 list requests (10 full pages; a group holds at most 10,000)', met: cgRequests.n > 0 && cgRequests.max <= 11, value: `${cgRequests.median} requests (HTTP Request with pagination: ${res.http.requests.median})` },
			{ name: 'P3 Limit never fetches more pages than needed', met: limitsOk, value: res.limits.map((l) => `${l.limit}: ${l.pages.length}/${l.needed}`).join(', ') },
		];
	},
};

// ---------------------------------------------------------------------------------------------
// P4: the service's cap (100 requests/s per app key), 1,000 × Announcement Get, in both ways a
// service may count it: a rolling one-second window and a token bucket (100, refilled 100/s)
// ---------------------------------------------------------------------------------------------

const PACER_TRACE_HOOK = fileURLToPath(new URL('./pacer-trace.cjs', import.meta.url));

/** The k-th request to reach the service against the k-th to leave the pacer: the delay the pace must allow for. */
export function departureDelays(leftAt, arrivedAt) {
	const left = [...leftAt].sort((a, b) => a - b);
	const arrived = [...arrivedAt].sort((a, b) => a - b);
	const n = Math.min(left.length, arrived.length);
	const delays = Array.from({ length: n }, (_, k) => arrived[k] - left[k]).sort((a, b) => a - b);
	const at = (q) => delays[Math.min(n - 1, Math.floor(q * n))];
	return n ? { n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: delays[n - 1], min: delays[0] } : undefined;
}

/** Successful calls per second from the first request's arrival to the last answer (emulator clock). */
function flowPerSecond(requests, okItems) {
	const answered = requests.filter((q) => q.answeredAt);
	if (!answered.length) return NaN;
	const first = Math.min(...requests.map((q) => q.receivedAt));
	const last = Math.max(...answered.map((q) => q.answeredAt));
	return last > first ? okItems / ((last - first) / 1000) : NaN;
}

export const P4 = {
	key: 'P4',
	title: 'The cap: 1,000 × Announcement Get at 100 requests/s, rolling window and token bucket',
	workflows: ({ emulatorUrl }) => {
		const g = GROUPS.announcement;
		return [
			W.announcementChatGroup('bP4cg', { count: ITEMS, groupId: g, cred: W.CRED.agoraDefault, continueOnFail: true }),
			W.announcementHttp('bP4httpBatch', { count: ITEMS, groupId: g, baseUrl: emulatorUrl, auth: 'credential', batching: { size: 100, intervalMs: 1000 }, continueOnFail: true }),
			W.announcementHttp('bP4httpNoBatch', { count: ITEMS, groupId: g, baseUrl: emulatorUrl, auth: 'credential', continueOnFail: true }),
		];
	},
	async run(ctx) {
		try {
			const check = (items) => (items.length === ITEMS ? undefined : `expected ${ITEMS} items, got ${items.length}`);
			const sides = [
				{ key: 'cgWindow', wf: 'bP4cg', mode: 'window', traced: true, check, label: 'Agora Chat Group, default settings; service counts a rolling one-second window' },
				{ key: 'cgBucket', wf: 'bP4cg', mode: 'tokenBucket', traced: true, check, label: 'Agora Chat Group, default settings; service counts a token bucket (100, refilled 100/s)' },
				{ key: 'httpBatch', wf: 'bP4httpBatch', mode: 'window', check, label: 'HTTP Request, Batching 100 items / 1,000 ms; rolling window' },
				{ key: 'httpNoBatch', wf: 'bP4httpNoBatch', mode: 'window', check, label: 'HTTP Request, no batching; rolling window' },
				// P4_SIDES=cgWindow,cgBucket (for instance) runs only those; the report needs all four.
			].filter((s) => !process.env.P4_SIDES || process.env.P4_SIDES.split(',').includes(s.key));
			const traceFile = (side, rep) => path.join(ctx.work, `pacer-${side.key}-${rep}.json`);
			const runs = await alternate(ctx, sides, {
				before: async (side) => {
					await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: EMULATOR_RATE_LIMIT, rateLimitMode: side.mode });
					// The service's second is real time: start every run with it empty (and the bucket full).
					await sleep(1100);
				},
				runOptions: (side, rep) => (side.traced ? { nodeFlags: ['--require', PACER_TRACE_HOOK], extraEnv: { AGORA_BENCH_PACER_TRACE: traceFile(side, rep) } } : {}),
				after: (side, r, extra) => {
					const file = extra.extraEnv?.AGORA_BENCH_PACER_TRACE;
					if (!file || !fs.existsSync(file) || !r.ok) return;
					const trace = JSON.parse(fs.readFileSync(file, 'utf8'));
					r.delays = departureDelays(trace.left, r.requests.map((q) => q.receivedAt));
					r.delays.heldP50 = summary(trace.held ?? []).median;
				},
			});
			const side = (s) => {
				const ok = okRuns(runs[s.key]);
				const okItems = (r) => r.items.filter((item) => !isFailedItem(item)).length;
				const delays = (key) => summary(ok.map((r) => r.delays?.[key]));
				return {
					label: s.label,
					mode: s.mode,
					exec: execSummary(runs[s.key]),
					okPerSec: summary(ok.map((r) => okItems(r) / (r.execMs / 1000))),
					flowOkPerSec: summary(ok.map((r) => flowPerSecond(r.requests, okItems(r)))),
					firstRequest: firstRequestSummary(runs[s.key]),
					failedItems: summary(ok.map((r) => r.items.filter(isFailedItem).length)),
					status429: summary(ok.map((r) => r.requests.filter((q) => q.status === 429).length)),
					refusedPct: summary(ok.map((r) => (100 * r.requests.filter((q) => q.status === 429).length) / r.requests.length)),
					// What the service's second saw at its fullest.
					busiestSecond: summary(ok.map((r) => maxInWindow(r.requests.filter((q) => q.status === 200).map((q) => q.receivedAt), 1000))),
					requests: summary(ok.map((r) => r.requests.length)),
					delays: s.traced ? { p50: delays('p50'), p99: delays('p99'), max: delays('max'), heldP50: delays('heldP50') } : undefined,
					failures: failures(runs[s.key]),
				};
			};
			return Object.fromEntries(sides.map((s) => [s.key, side(s)]));
		} finally {
			await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0, rateLimitMode: 'window' });
		}
	},
	targets(res) {
		// A side left out with P4_SIDES has no target.
		return ['cgWindow', 'cgBucket'].filter((key) => res[key]).map((key) => {
			const r = res[key];
			const met = r.okPerSec.median >= 97 && r.flowOkPerSec.median >= 97 && r.failedItems.max === 0 && r.refusedPct.max <= 1;
			return {
				name: `P4 Agora Chat Group, service counting ${r.mode === 'window' ? 'a rolling one-second window' : 'a token bucket'}: ≥ 97 successful calls/s (from the node's start and from the first request to the last answer), 0 failed, ≤ 1 % refused`,
				met,
				value: `${r.okPerSec.median.toFixed(1)} / ${r.flowOkPerSec.median.toFixed(1)} successful calls/s, failed items max ${r.failedItems.max}, refused ${r.refusedPct.median.toFixed(1)} % median (max ${r.refusedPct.max.toFixed(1)} %)`,
			};
		});
	},
};

export const PHASES = [P1, P2, P3, P4];
