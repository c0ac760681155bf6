// Summarises a V8 .cpuprofile (from `node --cpu-prof`) over one time window: the measured node's run.
//
// Timestamps in a .cpuprofile are V8 TimeTicks (CLOCK_MONOTONIC on Linux, in µs), the same clock as
// process.hrtime() in this process, so a window taken from the run data's wall-clock startTime is
// mapped with an offset measured here (monotonic µs − epoch µs) just before n8n is spawned.

import fs from 'node:fs';

/** Current offset between the monotonic clock (µs) and the wall clock (µs). */
export function monotonicOffsetUs() {
	return Number(process.hrtime.bigint() / 1000n) - Date.now() * 1000;
}

/**
 * Buckets, first match wins, tested against the whole synchronous stack (leaf to root) of a sample.
 * Order matters: a credential decrypt inside our authenticate() is counted as credential work.
 * Only synchronous stacks are visible: work after an `await` shows the continuation, not its caller.
 */
const BUCKETS = [
	{
		key: 'credentials',
		label: 'credential look-up per request: DB read (sqlite/typeorm) + decrypt (n8n getCredentials)',
		frame: (f) =>
			/^(getCredentials|_getCredentials|getDecrypted|getCredentialsEntity|decrypt|decryptV2|decryptWithKey|decryptDEKWithInstanceKey|getLegacyKey|hkdfSync)$/.test(f.functionName) ||
			/@n8n\/typeorm|\/sqlite3\/|credentials-helper|\/n8n-core\/dist\/encryption|\/n8n-core\/dist\/credentials/.test(f.url),
	},
	{
		key: 'compile',
		label: 'expression compilation (first use of each expression: esprima parse, recast rewrite)',
		frame: (f) => /@n8n\/tournament|\/esprima|\/recast\/|\/ast-types\//.test(f.url),
	},
	{
		key: 'expressions',
		label: 'expression evaluation (baseURL/url expressions, parameters)',
		frame: (f) =>
			/n8n-workflow\/dist\/cjs\/(expression|workflow-expression|workflow-data-proxy|expression-evaluator-proxy|extensions\/)|@n8n\/expression|get-additional-keys/.test(f.url) ||
			/^(resolveSimpleParameterValue|getParameterValue|evaluateExpression|renderExpression)$/.test(f.functionName),
	},
	{
		key: 'connect',
		label: 'connection set-up (new agent + TCP connect per request)',
		frame: (f) =>
			(/^node:(net|dns)$/.test(f.url) && /^(internalConnect|createConnection|connect|lookupAndConnect|Socket|lookup|emitLookup)$/.test(f.functionName)) ||
			/^(createSocket|createConnection|buildNodeAgents)$/.test(f.functionName) ||
			/@n8n\/backend-network\/dist\/(http\/node-agents|ssrf|proxy|http\/connection-guards)/.test(f.url),
	},
	{
		key: 'http',
		label: 'HTTP client: request and response handling (axios, follow-redirects, node:http/net/stream)',
		frame: (f) => /\/axios\/|follow-redirects|form-data|@n8n\/backend-network|^node:(_http|http|https|net|stream|zlib|internal\/(http|streams|stream_base|net|url))|request-helper-functions|request-helpers/.test(f.url),
	},
	{ key: 'ours', label: 'our node and credential code (dist/), and what it calls that is not above', frame: (f, ctx) => f.url.includes(ctx.oursMarker) },
	{ key: 'gc', label: 'garbage collection', frame: (f) => f.functionName === '(garbage collector)' },
	{ key: 'engine', label: 'n8n engine (routing node, node parameters, item handling) and the rest', frame: () => true },
];

function shortFile(url, oursMarker) {
	if (!url) return '';
	const ours = url.indexOf(oursMarker);
	if (ours >= 0) return `OURS ${url.slice(ours + oursMarker.length)}`;
	const nm = url.lastIndexOf('node_modules/');
	return nm >= 0 ? url.slice(nm + 'node_modules/'.length) : url.replace(/^file:\/\//, '');
}

/**
 * @param {string} file a .cpuprofile
 * @param {{ windowStartUs: number, windowEndUs: number, oursMarker: string }} opts oursMarker: a path part
 *   that only our package's files have (e.g. '/n8n-nodes-agora-chat/dist/')
 */
export function summariseProfile(file, { windowStartUs, windowEndUs, oursMarker, top = 15 }) {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parentOf = new Map();
	for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
	const ctx = { oursMarker };
	const bucketOfNode = new Map(); // memo: node id -> bucket key (the stack is fixed per node)
	const bucketOf = (id) => {
		let key = bucketOfNode.get(id);
		if (key) return key;
		const stack = [];
		for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) stack.push(byId.get(cur).callFrame);
		key = BUCKETS.find((b) => stack.some((f) => b.frame(f, ctx))).key;
		bucketOfNode.set(id, key);
		return key;
	};
	const hasOursInStack = (id) => {
		for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) if (byId.get(cur).callFrame.url.includes(oursMarker)) return true;
		return false;
	};

	const bucketUs = Object.fromEntries(BUCKETS.map((b) => [b.key, 0]));
	const selfUs = new Map();
	let totalUs = 0;
	let idleUs = 0;
	let oursSelfUs = 0;
	let oursStackUs = 0;
	let t = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i];
		if (t < windowStartUs || t > windowEndUs) continue;
		const dt = profile.timeDeltas[i + 1] ?? 0; // the interval this sample stands for
		const node = byId.get(profile.samples[i]);
		const cf = node.callFrame;
		if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
			// (idle): the thread waits (I/O, timers); (program): V8/native work outside JS. Kept apart.
			idleUs += dt;
			continue;
		}
		totalUs += dt;
		bucketUs[bucketOf(node.id)] += dt;
		const key = `${cf.functionName || '(anonymous)'}\t${shortFile(cf.url, oursMarker)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
		selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
		if (cf.url.includes(oursMarker)) oursSelfUs += dt;
		if (hasOursInStack(node.id)) oursStackUs += dt;
	}
	const ms = (us) => us / 1000;
	const toRow = ([key, us]) => {
		const [fn, where] = key.split('\t');
		return { fn, where, ms: ms(us) };
	};
	const sorted = [...selfUs].sort((a, b) => b[1] - a[1]);
	return {
		windowMs: ms(windowEndUs - windowStartUs),
		busyMs: ms(totalUs),
		idleOrProgramMs: ms(idleUs),
		buckets: BUCKETS.map((b) => ({ key: b.key, label: b.label, ms: ms(bucketUs[b.key]) })),
		topSelf: sorted.slice(0, top).map(toRow),
		oursTop: sorted.filter(([k]) => k.includes('\tOURS ')).slice(0, 8).map(toRow),
		oursSelfMs: ms(oursSelfUs),
		oursStackMs: ms(oursStackUs),
	};
}
