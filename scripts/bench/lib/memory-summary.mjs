// Summarises what memory-probe.cjs wrote for one `n8n execute`: the measured node's window (memory at its start,
// the highest 5 ms sample while it ran, at its end, after a forced garbage collection) and the calls that made or
// handed over its bytes, per stack.

import fs from 'node:fs';

const MiB = 1024 * 1024;
const METRICS = ['rss', 'heapUsed', 'external', 'arrayBuffers'];
const COLUMN = { rss: 1, heapUsed: 2, external: 3, arrayBuffers: 4 };

/** A stack's frames, short: n8n's package paths from node_modules on, ours marked OURS, Node's own left out but for the first. */
function shortStack(stack, frames = 3) {
	const shown = [];
	for (const line of stack) {
		if (/\(node:|^node:/.test(line) && shown.length) continue;
		shown.push(line.replace(/^async /, '').replace(/\s+\((.*)\)$/, ' $1').replace(/:\d+\)?$/, (m) => m.replace(')', '')));
		if (shown.length === frames) break;
	}
	return shown.join(' < ');
}

/**
 * @param {string} file the probe's JSON
 * @param {string} nodeName the measured node
 * @returns the node's window: growth over its start (bytes) of each metric at its peak, at its end and after GC; its stacks
 */
export function summariseMemoryProbe(file, nodeName) {
	const data = JSON.parse(fs.readFileSync(file, 'utf8'));
	const node = data.nodes.find((n) => n.name === nodeName);
	if (!node) return undefined;
	const peak = Object.fromEntries(METRICS.map((m) => [m, node.start[m]]));
	for (const sample of data.samples) {
		if (sample[0] < node.startedAt || sample[0] > node.end.t + data.sampleMs) continue;
		for (const m of METRICS) peak[m] = Math.max(peak[m], sample[COLUMN[m]]);
	}
	for (const m of METRICS) peak[m] = Math.max(peak[m], node.end[m]);
	const over = (level) => (level ? Object.fromEntries(METRICS.map((m) => [m, level[m] - node.start[m]])) : undefined);
	return {
		ms: node.end.t - node.startedAt,
		start: node.start,
		peak: over(peak),
		end: over(node.end),
		afterGc: over(node.afterGc),
		afterGcLater: over(node.afterGcLater),
		stacks: node.stacks.map((s) => ({ kind: s.kind, bytes: s.bytes, count: s.count, largest: s.largest, where: shortStack(s.stack), stack: s.stack })),
		big: node.big,
		gc: data.gc,
		// The node before the measured one (the upload's Read/Write Files): what it left behind.
		before: data.nodes.filter((n) => n.startedAt < node.startedAt).map((n) => ({ name: n.name, end: over(n.end), afterGcLater: over(n.afterGcLater) })),
	};
}

const mib = (bytes) => (bytes === undefined || Number.isNaN(bytes) ? '?' : (bytes / MiB).toFixed(1));

/** The growth of the 10 MiB run minus the 1-byte run's, per metric and level. */
export function pairedGrowth(big, tiny) {
	const minus = (level) => (big[level] && tiny[level] ? Object.fromEntries(METRICS.map((m) => [m, big[level][m] - tiny[level][m]])) : undefined);
	return { peak: minus('peak'), end: minus('end'), afterGc: minus('afterGc'), afterGcLater: minus('afterGcLater') };
}

/** Lines to print: one row per side, then each side's calls that moved most bytes. */
export function memoryTable(rows, { fileBytes, topStacks = 6 }) {
	const x = (bytes) => (bytes === undefined ? '?' : `${(bytes / fileBytes).toFixed(2)} ×`);
	const lines = [
		'',
		'  In-node growth over the node\'s start, 10 MiB run minus 1-byte run (× the file; 5 ms samples of process.memoryUsage() in the n8n process;',
		'  heapUsed is left out: the probe\'s own stack captures are JS heap; a forced GC after every node, so each node starts without the one before\'s garbage)',
		'  side                      | peak RSS | peak external | peak arrayBuffers | arrayBuffers at end | after forced GC (+100 ms): RSS / external / arrayBuffers',
		'  ------------------------- | -------- | ------------- | ----------------- | ------------------- | -------------------------------------------------------',
	];
	for (const r of rows) {
		const g = r.growth;
		if (!g?.peak) {
			lines.push(`  ${r.label.padEnd(25)} | no probe data (${r.error ?? 'node not found'})`);
			continue;
		}
		lines.push(
			`  ${r.label.padEnd(25)} | ${x(g.peak.rss).padStart(8)} | ${x(g.peak.external).padStart(13)} | ${x(g.peak.arrayBuffers).padStart(17)} | ${x(g.end.arrayBuffers).padStart(19)} | ${g.afterGcLater ? `${x(g.afterGcLater.rss)} / ${x(g.afterGcLater.external)} / ${x(g.afterGcLater.arrayBuffers)}` : 'no gc'}`,
		);
	}
	for (const r of rows) {
		if (!r.big) continue;
		lines.push('', `  ${r.label} (10 MiB run, ${r.big.ms} ms): bytes per call while the node ran (allocations ≥ 4 KiB; "push to X": bytes handed to stream X, not always new memory)`);
		for (const s of r.big.stacks.slice(0, topStacks)) lines.push(`    ${mib(s.bytes).padStart(6)} MiB  ${String(s.count).padStart(5)} ×  ${s.kind.padEnd(24)} ${s.where}`);
		for (const b of r.big.before.filter((n) => n.end && n.name !== 'Start')) {
			lines.push(`    before it, ${b.name} left: RSS +${mib(b.end.rss)} MiB, arrayBuffers +${mib(b.end.arrayBuffers)} MiB at its end; after forced GC +${mib(b.afterGcLater?.rss)} / +${mib(b.afterGcLater?.arrayBuffers)} MiB`);
		}
		const bigOnes = r.big.big.length;
		if (bigOnes) lines.push(`    single allocations ≥ 256 KiB: ${r.big.big.map((b) => `${b.kind} ${mib(b.bytes)} MiB at +${b.at} ms`).join('; ')}`);
	}
	return lines;
}
