// Summarises what heap-probe.cjs wrote: two sampling heap profiles of live objects (after a forced garbage
// collection), one when the run's first request reached the service and one at its peak, and process.memoryUsage()
// at both. The difference is what the run added and still holds, by the stack that allocated it.
//
// The sampling profiler sees objects on V8's heap only: a Buffer's bytes live outside it (memoryUsage's
// arrayBuffers / external), so the profile shows the small JS object of a Buffer, never its contents.

import fs from 'node:fs';
import path from 'node:path';

/** The package (or our dist file, or node's own module) a script URL belongs to. */
export function ownerOf(url, oursMarker) {
	if (!url) return '(native)';
	const ours = url.indexOf(oursMarker);
	if (ours >= 0) return `OURS ${url.slice(ours + oursMarker.length).replace(/\.js$/, '')}`;
	if (url.startsWith('node:')) return url.replace(/^node:internal\/(\w+).*$/, 'node:internal/$1');
	const nm = url.lastIndexOf('node_modules/');
	if (nm < 0) return url.replace(/^file:\/\//, '');
	const rest = url.slice(nm + 'node_modules/'.length).split('/');
	const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
	// n8n's engine packages by file: which structure holds the bytes is the question.
	if (/^(n8n-core|n8n-workflow|n8n)$/.test(pkg)) return `${pkg} ${rest.slice(rest.indexOf('dist') + 1).join('/').replace(/\.js$/, '')}`;
	return pkg;
}

/** Live bytes per allocating stack: key = the stack (root to leaf), value = { bytes, frames }. */
function liveByStack(file) {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
	const out = new Map();
	const walk = (node, frames) => {
		const here = [...frames, node.callFrame];
		if (node.selfSize) {
			const key = here.map((f) => `${f.functionName}@${f.url}:${f.lineNumber}`).join('<');
			const prev = out.get(key);
			out.set(key, { bytes: (prev?.bytes ?? 0) + node.selfSize, frames: here });
		}
		for (const child of node.children ?? []) walk(child, here);
	};
	walk(profile.head, []);
	return out;
}

const isGeneric = (owner) => owner === '(native)' || owner.startsWith('node:');

/**
 * @param {string} dir the probe's folder (live-1, live-2, mem-1, mem-2)
 * @returns the growth by memoryUsage field, and the top allocation sites and owners of what was added
 */
export function summariseHeap(dir, { oursMarker, top = 15 }) {
	const file = (name) => path.join(dir, name);
	if (![1, 2].every((n) => fs.existsSync(file(`live-${n}.heapprofile`)) && fs.existsSync(file(`mem-${n}.json`)))) return undefined;
	const mem = [1, 2].map((n) => JSON.parse(fs.readFileSync(file(`mem-${n}.json`), 'utf8')));
	const [start, peak] = [1, 2].map((n) => liveByStack(file(`live-${n}.heapprofile`)));
	const MiB = 1024 * 1024;
	const fields = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'];
	const memory = Object.fromEntries(
		fields.map((k) => [k, { startMiB: mem[0].after[k] / MiB, peakBeforeGcMiB: mem[1].before[k] / MiB, peakMiB: mem[1].after[k] / MiB, growthMiB: (mem[1].after[k] - mem[0].after[k]) / MiB }]),
	);
	// RSS that is neither V8's heap nor external memory: code, stacks, malloc arenas of native code.
	memory.otherNative = {
		startMiB: (mem[0].after.rss - mem[0].after.heapTotal - mem[0].after.external) / MiB,
		peakMiB: (mem[1].after.rss - mem[1].after.heapTotal - mem[1].after.external) / MiB,
	};
	memory.otherNative.growthMiB = memory.otherNative.peakMiB - memory.otherNative.startMiB;

	const sites = new Map(); // leaf-most frame with a script, as "function owner:line"
	const owners = new Map(); // the first frame, leaf to root, outside node's own modules: who asked for it
	let addedBytes = 0;
	let oursInStack = 0;
	const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
	for (const [key, { bytes, frames }] of peak) {
		const added = bytes - (start.get(key)?.bytes ?? 0);
		if (added <= 0) continue;
		addedBytes += added;
		const leafFirst = [...frames].reverse();
		const leaf = leafFirst.find((f) => f.url) ?? leafFirst[0];
		add(sites, `${leaf.functionName || '(anonymous)'}  ${ownerOf(leaf.url, oursMarker)}:${leaf.lineNumber + 1}`, added);
		const caller = leafFirst.find((f) => !isGeneric(ownerOf(f.url, oursMarker)));
		add(owners, caller ? ownerOf(caller.url, oursMarker) : ownerOf(leaf.url, oursMarker), added);
		if (frames.some((f) => f.url.includes(oursMarker))) oursInStack += added;
	}
	const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => ({ name, MiB: bytes / MiB }));
	return { memory, addedMiB: addedBytes / MiB, oursInStackMiB: oursInStack / MiB, topSites: rank(sites), topOwners: rank(owners) };
}

/** Lines of a small table for the log and the notes. */
export function heapTable(label, s) {
	const f = (x) => (x >= 0 ? '+' : '') + x.toFixed(1);
	const m = s.memory;
	const lines = [
		`${label}`,
		`  memoryUsage after a forced GC, first request -> peak (MiB): rss ${m.rss.startMiB.toFixed(0)} -> ${m.rss.peakMiB.toFixed(0)} (${f(m.rss.growthMiB)}; ${m.rss.peakBeforeGcMiB.toFixed(0)} before the GC), heapUsed ${f(m.heapUsed.growthMiB)} (heapTotal ${f(m.heapTotal.growthMiB)}), external ${f(m.external.growthMiB)} (arrayBuffers ${f(m.arrayBuffers.growthMiB)}), other native ${f(m.otherNative.growthMiB)}`,
		`  live JS objects added (sampled): ${s.addedMiB.toFixed(1)} MiB, of which allocated under our dist/ code: ${s.oursInStackMiB.toFixed(1)} MiB`,
		'  by who asked (first frame outside node:*):',
		...s.topOwners.map((o) => `    ${o.MiB.toFixed(1).padStart(7)} MiB  ${o.name}`),
		'  by allocating site:',
		...s.topSites.map((o) => `    ${o.MiB.toFixed(1).padStart(7)} MiB  ${o.name}`),
	];
	return lines;
}
