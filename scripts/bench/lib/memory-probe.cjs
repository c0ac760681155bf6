// Preloaded into the n8n process (`node --expose-gc --require`) by the benchmark's P2 memory investigation only
// (`run-bench.mjs --only=P2 --memory-probe`), never shipped. Enabled by AGORA_BENCH_MEMORY_PROBE=<file>:
//  - samples process.memoryUsage() (rss, heapUsed, external, arrayBuffers) every 5 ms;
//  - while a node runs (n8n's nodeExecuteBefore → nodeExecuteAfter hooks), counts the bytes of every Buffer made
//    by Buffer.alloc / allocUnsafe / allocUnsafeSlow / concat / from and Uint8Array.prototype.slice, and the bytes
//    every readable stream is handed (Readable.prototype.push: a socket's 64 KiB reads, a file's chunks; "whole buffer"
//    when the chunk fills its ArrayBuffer, "a view" when it shares a larger one), per stack,
//    and lists the single allocations of AGORA_BENCH_MEMORY_BIG bytes or more (256 KiB by default);
//  - at each node's nodeExecuteAfter: process.memoryUsage(), then a forced full garbage collection (global.gc) and
//    process.memoryUsage() again, and once more 100 ms and a second collection later (V8 frees array buffers' memory
//    and lowers its `external` count after a collection, not always within it): what the collection gives back was
//    garbage, what stays is held. The 100 ms delay holds n8n up; the probe is for this investigation only.
// At exit it writes everything to the file as JSON (summarised by memory-summary.mjs).
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const stream = require('node:stream');

const out = process.env.AGORA_BENCH_MEMORY_PROBE;
if (out) {
	const BIG = Number(process.env.AGORA_BENCH_MEMORY_BIG) || 256 * 1024;
	const SMALLEST = 4096;
	const SAMPLE_MS = 5;
	const t0 = Date.now();
	const samples = [];
	const mem = () => {
		const m = process.memoryUsage();
		return { t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
	};
	const sampler = setInterval(() => {
		const m = mem();
		samples.push([m.t, m.rss, m.heapUsed, m.external, m.arrayBuffers]);
	}, SAMPLE_MS);
	sampler.unref();

	/** The node running now (the P2 workflows run one node at a time). */
	let current;
	const nodes = [];
	const probeFile = __filename;
	// Call sites straight from V8 (not through n8n's source-map support, which costs far more): dist files and lines.
	const where = (site) => {
		const file = String(site.getFileName() ?? site.getEvalOrigin() ?? '<anonymous>')
			.replace(/^file:\/\//, '')
			.replace(/^.*\/node_modules\//, '')
			.replace(/^\/tmp\/agora-bench-[^/]+\/[^/]+\/dist\//, 'OURS dist/');
		const type = site.getTypeName();
		const fn = site.getFunctionName() ?? '<anonymous>';
		const name = type && !fn.startsWith(type) && type !== 'Object' ? `${type}.${site.getMethodName() ?? fn}` : fn;
		return `${site.isAsync() ? 'async ' : ''}${name} (${file}:${site.getLineNumber()}:${site.getColumnNumber()})`;
	};
	const stackOf = () => {
		const saved = { prepare: Error.prepareStackTrace, limit: Error.stackTraceLimit };
		Error.prepareStackTrace = (_error, sites) => sites;
		Error.stackTraceLimit = 30;
		const holder = {};
		Error.captureStackTrace(holder, stackOf);
		const sites = holder.stack;
		Error.prepareStackTrace = saved.prepare;
		Error.stackTraceLimit = saved.limit;
		return (Array.isArray(sites) ? sites : [])
			.filter((site) => site.getFileName() !== probeFile)
			.slice(0, 12)
			.map(where);
	};
	const record = (kind, bytes) => {
		if (!current || !(bytes >= SMALLEST)) return;
		const stack = stackOf();
		const key = `${kind}\n${stack.join('\n')}`;
		const entry = current.byStack.get(key) ?? { kind, stack, bytes: 0, count: 0, largest: 0 };
		entry.bytes += bytes;
		entry.count++;
		entry.largest = Math.max(entry.largest, bytes);
		current.byStack.set(key, entry);
		if (bytes >= BIG) current.big.push({ at: Date.now() - current.startedAt, kind, bytes, stack: stack.slice(0, 8) });
	};
	let inside = 0; // Buffer.from/concat call alloc* internally: count the outermost call only
	const wrap = (owner, name, kind, sizeOf) => {
		const original = owner[name];
		owner[name] = function (...args) {
			inside++;
			let result;
			try {
				result = original.apply(this, args);
			} finally {
				inside--;
			}
			if (inside === 0 && current) record(kind ?? `Buffer.${name}`, sizeOf(result, args, this));
			return result;
		};
		Object.defineProperty(owner[name], 'name', { value: name });
	};
	const length = (result) => (result && typeof result.byteLength === 'number' ? result.byteLength : 0);
	for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat']) wrap(Buffer, name, undefined, length);
	// Buffer.from(arrayBuffer) shares its memory: only a copy counts.
	wrap(Buffer, 'from', undefined, (result, args) => (args[0] instanceof ArrayBuffer || args[0] instanceof SharedArrayBuffer ? 0 : length(result)));
	wrap(Uint8Array.prototype, 'slice', 'Uint8Array.slice', length);
	wrap(ArrayBuffer.prototype, 'slice', 'ArrayBuffer.slice', length);
	// Bytes handed to a readable stream (not always new memory: a stream that passes another's chunks on pushes the same bytes).
	const push = stream.Readable.prototype.push;
	stream.Readable.prototype.push = function (chunk, encoding) {
		if (current && chunk && typeof chunk === 'object' && typeof chunk.byteLength === 'number') {
			// A chunk that fills its ArrayBuffer was allocated for itself somewhere (an HTTP body's chunks are: Node's parser copies
			// them out of the socket's read), or is such a chunk passed on; "a view" shares a larger allocation.
			const own = chunk.byteOffset === 0 && chunk.buffer?.byteLength === chunk.byteLength;
			record(`push to ${this.constructor?.name ?? 'Readable'}${own ? ' (whole buffer)' : ' (a view)'}`, chunk.byteLength);
		}
		return push.call(this, chunk, encoding);
	};

	const atEdge = async (name, phase) => {
		if (phase === 'before') {
			current = { name, startedAt: Date.now(), start: mem(), byStack: new Map(), big: [] };
			return;
		}
		if (!current || current.name !== name) return;
		const node = current;
		current = undefined;
		node.end = mem();
		nodes.push(node);
		if (typeof global.gc === 'function') {
			global.gc();
			node.afterGc = mem();
			await new Promise((resolve) => setTimeout(resolve, 100));
			global.gc();
			node.afterGcLater = mem();
		}
		node.endedAt = Date.now();
	};
	// n8n-core's ExecutionLifecycleHooks, patched as it loads: its runHook marks each node's start and end.
	const load = Module._load;
	Module._load = function (request, parent, isMain) {
		const exported = load.call(this, request, parent, isMain);
		const hooks = exported?.ExecutionLifecycleHooks;
		if (hooks?.prototype?.runHook && !hooks.prototype.runHook.probed) {
			const runHook = hooks.prototype.runHook;
			hooks.prototype.runHook = async function (hookName, parameters) {
				if (hookName === 'nodeExecuteBefore') atEdge(parameters[0], 'before');
				if (hookName === 'nodeExecuteAfter') await atEdge(parameters[0], 'after');
				return await runHook.call(this, hookName, parameters);
			};
			hooks.prototype.runHook.probed = true;
		}
		return exported;
	};

	process.on('exit', () => {
		const serialise = (node) => ({
			name: node.name,
			startedAt: node.startedAt,
			endedAt: node.endedAt,
			start: node.start,
			end: node.end,
			afterGc: node.afterGc,
			afterGcLater: node.afterGcLater,
			stacks: [...node.byStack.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 40),
			big: node.big,
		});
		fs.writeFileSync(out, JSON.stringify({ t0, sampleMs: SAMPLE_MS, big: BIG, gc: typeof global.gc === 'function', nodes: nodes.map(serialise), samples }));
	});
}
