// docs/benchmarks.md from the results. Everything is regenerated except the hand-written findings
// between the NOTES markers, which are carried over from the existing file.

import fs from 'node:fs';

import { fmt } from './stats.mjs';
import { BIG_BYTES, ITEMS, PAGE_FILES } from './phases.mjs';
import { p6Section } from './callback-phase.mjs';

const NOTES_START = '<!-- notes:start (hand-written; kept when the file is regenerated) -->';
const NOTES_END = '<!-- notes:end -->';

const n0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const n1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const n2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const pct = (part, whole) => (whole > 0 ? `${Math.round((100 * part) / whole)} %` : 'n/a');

function table(header, rows) {
	return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function failureNotes(entries) {
	const lines = entries.flatMap(([label, list]) => (list?.length ? list.map((f) => `- ${label}: ${f}`) : []));
	return lines.length ? `\nFailed runs (left out of the figures):\n\n${lines.join('\n')}\n` : '';
}

function p1Section(r) {
	const s = r.stats;
	const base = s.httpCred.exec.median;
	const rows = ['cgPaced', 'cgNoPace', 'httpCred', 'httpHeader'].map((k) => [
		s[k].label,
		fmt(s[k].exec),
		n2(s[k].exec.median / ITEMS),
		n2(s[k].exec.median / base),
		fmt(s[k].firstRequest),
		fmt(s[k].flowRate),
	]);
	const marginal = (k1000, k1) => (s[k1000].exec.median - s[k1].exec.median) / (ITEMS - 1);
	const perItemRows = [
		['Agora Chat Group (pacing off)', 'cgNoPace1', 'cgNoPace'],
		['HTTP Request, credential', 'httpCred1', 'httpCred'],
		['HTTP Request, header typed in', 'httpHeader1', 'httpHeader'],
	].map(([label, k1, k]) => [label, fmt(s[k1].exec), fmt(s[k].exec), n2(marginal(k, k1))]);

	const conn = ['cgNoPace', 'httpCred'].map((k) => {
		const c = r.connections[k];
		return [s[k].label, c?.error ? `failed: ${c.error.split('\n')[0]}` : `${n0(c.connections)} connections for ${n0(c.requests)} requests`, `\`${r.connectionHeader[k] || 'n/a'}\``];
	});
	conn.push([s.httpHeader.label, '(not relayed)', `\`${r.connectionHeader.httpHeader || 'n/a'}\``]);

	let profile = '';
	const pc = r.profiles.cgNoPace;
	const ph = r.profiles.httpCred;
	if (pc && !pc.error && ph && !ph.error) {
		const columns = [
			['Agora Chat Group, 1,000 items', pc],
			['HTTP Request (credential), 1,000 items', ph],
			['Agora Chat Group, 1 item', r.profiles.cgNoPace1],
			['HTTP Request (credential), 1 item', r.profiles.httpCred1],
		].filter(([, p]) => p && !p.error);
		const digits = (p) => (p.busyMs < 500 ? n1 : n0);
		const bucketRows = pc.buckets.map((b, i) => [b.label, ...columns.map(([, p]) => `${digits(p)(p.buckets[i].ms)} (${pct(p.buckets[i].ms, p.busyMs)})`)]);
		bucketRows.push(['**busy total** (JS thread on CPU, in the node\'s window)', ...columns.map(([, p]) => `**${digits(p)(p.busyMs)}**`)]);
		bucketRows.push(['idle / (program) (waiting for I/O, native work)', ...columns.map(([, p]) => digits(p)(p.idleOrProgramMs))]);
		bucketRows.push(['node execution time of the profiled run', ...columns.map(([, p]) => n0(p.execMs))]);
		const topRows = (p) => p.topSelf.map((f) => [`\`${f.fn}\``, `\`${f.where}\``, n0(f.ms)]);
		profile = `
#### CPU profiles of one \`n8n execute\`, over the node's own run

\`node --cpu-prof\` on the n8n process (sampling every 500 µs for 1,000 items, 100 µs for 1 item); only the
samples between the node's \`startTime\` and \`startTime + executionTime\` (run data) are counted. Each sample goes
to the first bucket that any frame of its synchronous stack matches, in the order of the table (so a decrypt
called from our credential's code counts as credential work). ms of CPU (share of busy time):

${table(['bucket', ...columns.map(([label]) => label)], bucketRows)}

Our own code (files under the staged \`dist/\`): **${n0(pc.oursSelfMs)} ms self time** (${pct(pc.oursSelfMs, pc.busyMs)} of busy), ${n0(pc.oursStackMs)} ms of samples with one of our
functions anywhere on the stack (that includes the n8n calls they make: getNodeParameter, the request).
Top self time in our files:

${table(['function', 'file:line', 'ms'], pc.oursTop.map((f) => [`\`${f.fn}\``, `\`${f.where.replace(/^OURS /, '')}\``, n1(f.ms)]))}

Top self time, Agora Chat Group:

${table(['function', 'where', 'ms'], topRows(pc))}

Top self time, HTTP Request (credential):

${table(['function', 'where', 'ms'], topRows(ph))}
${
	r.profiles.cgNoPace1 && !r.profiles.cgNoPace1.error
		? `
Top self time, Agora Chat Group with 1 item (the fixed cost of a run):

${table(['function', 'where', 'ms'], r.profiles.cgNoPace1.topSelf.map((f) => [`\`${f.fn}\``, `\`${f.where}\``, n1(f.ms)]))}
`
		: ''
}`;
	} else {
		profile = `\nCPU profile: ${pc?.error ?? ph?.error ?? 'not taken'}\n`;
	}

	return `## P1 Overhead: ${n0(ITEMS)} × Announcement Get

${n0(ITEMS)} items (Set + Split Out) into one node, all asking for the same group's announcement; emulator rate limit
off. Node execution time from the run data, median (min–max) over ${r.reps} repetitions, sides alternated.

${table(['side', 'node time, ms', 'ms/item', '× HTTP Request (credential)', 'first request reached the emulator after, ms', 'requests/s from first to last request'], rows)}

Pacing (the credential default) keeps 1,000 requests at or under the service's 100 calls/s (at least ${n1(999 / 100)} s) by design; the
pacing-off line is the overhead comparison. The last two columns come from the emulator's request log
(\`receivedAt\`) against the node's \`startTime\`: the time before anything is sent, and the pace once requests flow.

#### Token sources (Agora Chat Group, pacing off, one run each)

${table(['token source', 'node time, ms', 'token requests (POST /{org}/{app}/token)', 'API requests'], r.tokenSources.map((t) => [t.label, t.ok ? n0(t.execMs) : `failed: ${t.error?.split('\n')[0]}`, n0(t.tokenRequests), n0(t.apiRequests)]))}

#### Fixed cost and cost per item

${table(['side', '1 item, ms', `${n0(ITEMS)} items, ms`, 'marginal ms/item ((t1000 − t1) / 999)'], perItemRows)}

#### Connections

${table(['side', 'TCP connections (counting relay in front of the emulator)', 'request header `connection`'], conn)}
${profile}${failureNotes(Object.values(s).map((x) => [x.label, x.failures]))}`;
}

function p2Section(r) {
	const ratio = (x) => `**${n2(x.median)} ×** (${n2(x.min)}–${n2(x.max)})`;
	const row = (label, g) => [label, fmt(g.tinyHwm, 1), fmt(g.bigHwm, 1), fmt(g.growthMiB, 1), ratio(g.ratio), fmt(g.inNodeMiB, 1), ratio(g.inNodeRatio), fmt(g.bigExec)];
	return `## P2 Memory: one ${BIG_BYTES / 1024 / 1024} MiB upload and download

One \`n8n execute\` per figure, binary data mode \`filesystem\` (n8n 2.x's default), random (incompressible)
bytes. Two measures, both as the ${BIG_BYTES / 1024 / 1024} MiB run minus the 1-byte run of the same workflow, paired within each
repetition; median (min–max) over ${r.reps} repetitions:

- **process peak growth**: VmHWM of the n8n process (read from \`/proc/<pid>/status\` every 10 ms until it exits);
- **added during the node**: highest VmRSS sampled while the measured node ran minus VmRSS just before it
  started. It leaves out the start-up of n8n, whose RSS lands on one of a few levels about 20 MiB apart from
  run to run (that is what makes the first measure jump), and the node that reads the file before an upload.

The upload workflows read the file with *Read/Write Files from Disk* first; the first line is that node alone.
Compare growth, not peaks: the workflows with an HTTP Request node start ${n0(r.upload.http.tinyHwm.median - r.upload.cg.tinyHwm.median)} MiB higher with the 1-byte file (n8n loads
that node's code).

${table(['workflow', 'peak RSS, 1 B file (MiB)', `peak RSS, ${BIG_BYTES / 1024 / 1024} MiB file (MiB)`, 'process peak growth (MiB)', 'growth / file size', 'added during the node (MiB)', 'added during the node / file size', `node time, ${BIG_BYTES / 1024 / 1024} MiB (ms)`], [
		row('Read/Write Files from Disk only (reference)', r.read),
		row('Read file → Agora Chat Group Upload', r.upload.cg),
		row('Read file → HTTP Request POST multipart (credential)', r.upload.http),
		row('Agora Chat Group Download', r.download.cg),
		row('HTTP Request GET, response format File (credential)', r.download.http),
	])}
${failureNotes([
		['read', r.read.failures],
		['upload Agora', r.upload.cg.failures],
		['upload HTTP', r.upload.http.failures],
		['download Agora', r.download.cg.failures],
		['download HTTP', r.download.http.failures],
	])}`;
}

function p3Section(r) {
	const rows = [
		['Agora Chat Group, Return All', fmt(r.cg.requests), fmt(r.cg.exec), `${n0(r.cg.items.median)} (one per file)`],
		['HTTP Request, pagination (pagenum = `$pageCount + 1`, pagesize 1000, complete when `$response.body.data.length < 1000`)', fmt(r.http.requests), fmt(r.http.exec), `${n0(r.http.items.median)} (one per page: the whole body)`],
	];
	const limitRows = r.limits.map((l) => [n0(l.limit), l.ok ? l.pages.join(', ') : `failed: ${l.error?.split('\n')[0]}`, `${l.pages.length} / ${l.needed}`, n0(l.items), n0(l.execMs)]);
	return `## P3 Pagination: ${n0(PAGE_FILES)} files

Emulator group seeded with ${n0(PAGE_FILES)} files (admin \`seed\`); list requests counted from the emulator's request log.
Median (min–max) over ${r.reps} repetitions.

${table(['side', 'list requests', 'node time, ms', 'items out'], rows)}

Limit (Return All off), one run each (the pages asked for do not vary):

${table(['Limit', 'pages asked (pagenum×pagesize)', 'pages / needed', 'items out', 'node time, ms'], limitRows)}
${failureNotes([
		['Return All Agora', r.cg.failures],
		['Return All HTTP', r.http.failures],
	])}`;
}

function p4Section(r) {
	const keys = ['cgWindow', 'cgBucket', 'httpBatch', 'httpNoBatch'].filter((k) => r[k]);
	const rows = keys.map((k) => [
		r[k].label,
		fmt(r[k].exec),
		`**${fmt(r[k].okPerSec, 1)}**`,
		`**${fmt(r[k].flowOkPerSec, 1)}**`,
		fmt(r[k].failedItems),
		fmt(r[k].status429),
		fmt(r[k].refusedPct, 1),
		fmt(r[k].requests),
		fmt(r[k].firstRequest),
		fmt(r[k].busiestSecond),
	]);
	const traced = keys.filter((k) => r[k].delays);
	const delayRows = traced.map((k) => [r[k].label, fmt(r[k].delays.p50, 1), fmt(r[k].delays.p99, 1), fmt(r[k].delays.max, 1), fmt(r[k].delays.heldP50, 1)]);
	return `## P4 The cap: ${n0(ITEMS)} × Announcement Get at 100 requests/s

Emulator rate limit on: 100 requests per app key, counted either in a rolling one-second window (at most 100 accepted
within any second) or as a token bucket (100 tokens, refilled at 100 per second, one per call); 429 \`reach_limit\`
beyond. All sides with *On Error: Continue (regular output)*, so a failed item is counted rather than stopping the run.
Successful calls/s are measured twice: over the node's execution time (from the node's start), and from the first
request's arrival at the emulator to the last answer it sent. The last column is the fullest the service's one-second
window got (accepted requests by arrival time). Median (min–max) over ${r[keys[0]].exec.n} repetitions.

${table(['side', 'node time, ms', 'successful calls/s from the node\'s start', 'successful calls/s, first request to last answer', 'failed items', '429s at the emulator', 'refused, % of requests', 'requests sent (incl. retries)', 'first request after, ms', 'most 200s within any 1 s at the emulator'], rows)}
${
	delayRows.length
		? `
How late requests reach the service after the pacer lets them go (the k-th arrival at the emulator against the k-th
release, both in order; the pacer's release times noted in the n8n process by a \`--require\` hook of the benchmark),
ms, median (min–max) of each run's percentile; the last column is how long a turn of the pace is held from its
release to its answer (median): the pace holds each turn a second after its answer, so this is what it loses per turn:

${table(['side', 'median', '99th percentile', 'largest', 'turn held from release to answer, median'], delayRows)}
`
		: ''
}${failureNotes(keys.map((k) => [r[k].label, r[k].failures]))}`;
}

function p5Section(r) {
	const rows = r.runs.map((run) => [
		String(run.rep + 1),
		run.executions.map((e) => `${e.id} on ${e.worker}`).join(', '),
		n0(run.failedItems),
		`**${n1(run.aggregatePerSec)}**`,
		n0(run.status429),
		n0(run.timeToLastItemMs),
		n1(run.flowPerSec),
		n0(run.maxInAnySecond),
	]);
	return `## P5 Queue mode: two workers, 2 × ${n0(ITEMS)} × Announcement Get on one app key

Redis and PostgreSQL from Debian on loopback, one \`n8n start\` main and two \`n8n worker\`s (n8n's defaults, except
\`--concurrency=1\` so that each execution runs on its own worker: two processes share one app key's budget). Both
executions are started at the same moment through the REST API (manual runs offloaded to the workers); the
credential leaves *Requests per Second* at its default; emulator capped at 100 calls/s for the key (sliding window).
aggregate = successful items of both / (last node end − first node start).

${table(['rep', 'executions (worker)', 'failed items', 'aggregate successful calls/s', '429s', 'time to the last item, ms (from the start request)', 'successful calls/s at the emulator, first to last', 'most 200s within any 1 s'], rows)}

Median (min–max): aggregate ${fmt(r.aggregatePerSec, 1)} successful calls/s, ${fmt(r.status429)} × 429, failed items ${fmt(r.failedItems)}, time to the last item ${fmt(r.timeToLastItemMs)} ms.
`;
}

function p7Section(r) {
	const blocks = r.rows.map((row) => {
		const rows = Object.values(row.sides).map((side) => [
			side.label,
			String(side.n),
			fmt(side.ms, 0),
			fmt(side.ratio, 2),
			fmt(side.listRequests),
			fmt(side.failedItems),
			fmt(side.status429),
			fmt(side.treeIdleMiB),
			`+${fmt(side.treeGrowthMiB)}`,
			fmt(side.firstDownloadMs),
			side.heldP50Ms?.n ? `${fmt(side.heldP50Ms)} / ${fmt(side.heldP95Ms)}` : '–',
		]);
		const failures = failureNotes(Object.values(row.sides).map((side) => [side.label, side.failures]));
		return `### ${n0(row.files)} files of 16 KiB

${table(['side', 'runs', 'time, ms (list start to last download end)', '× floor', 'list requests', 'failed items', '429s', "n8n's process tree idle, MiB", 'growth while running, MiB', 'first download after the node started, ms', 'a turn of the pace held from its grant to its answer, ms: p50 / p95'], rows)}
${failures}`;
	});
	return `## P7 Mirror a group: Get Many (Return All) → Download, at the 100 calls/s cap

One execution per run; emulator capped at 100 calls/s (rolling window); floor = (files + list pages) / 100 s.
Memory: RSS of the \`n8n execute\` process and its children (n8n 2.x's task runner), the last sample before the
list started and the highest while the nodes ran. The pace holds each turn until a second after its answer, so a
turn held longer from its grant to its answer (n8n's request path, the event loop busy storing files) is what
separates the pace from 100/s; n8n's loop over the items comes before the first download. Median (min–max).

${blocks.join('\n')}`;
}

function p8Section(r) {
	const rows = [
		['into an empty group', r.first],
		['again, nothing changed', r.again],
	].map(([label, side]) => [label, String(side.n), fmt(side.ms, 0), fmt(side.requests), fmt(side.lists), fmt(side.uploads), fmt(side.deletes), fmt(side.skipped), fmt(side.failedItems), fmt(side.status429)]);
	return `## P8 Upload a folder: ${n0(r.files)} files of 16 KiB, Replace If Different

Read/Write Files from Disk reads the folder, then Upload (If a File With the Same Name Exists: Replace If Different);
emulator capped at 100 calls/s (rolling window). Floor: ${n2(r.floorMs / 1000)} s (every upload and one listing at 100/s).
Median (min–max).

${table(['run', 'runs', 'Upload node time, ms', 'requests', 'listings', 'uploads', 'deletes', 'skipped', 'failed items', '429s'], rows)}
${failureNotes([['empty group', r.first.failures], ['unchanged', r.again.failures]])}`;
}

const SECTION = { P1: p1Section, P2: p2Section, P3: p3Section, P4: p4Section, P5: p5Section, P6: p6Section, P7: p7Section, P8: p8Section };

function existingNotes(file) {
	try {
		const text = fs.readFileSync(file, 'utf8');
		const a = text.indexOf(NOTES_START);
		const b = text.indexOf(NOTES_END);
		if (a >= 0 && b > a) return text.slice(a + NOTES_START.length, b).trim();
	} catch {
		/* no previous file */
	}
	return '_(No findings written yet.)_';
}

export function writeReport(file, { results, targets, meta }) {
	const contention = meta.phases
		.map((p) => `| ${p.key} | ${n1(p.seconds)} s | ${n2(p.foreignCores)} | ${n2(p.ourCores)} | ${p.loadBefore.map(n2).join(' / ')} | ${p.loadAfter.map(n2).join(' / ')} |`)
		.join('\n');
	const busy = meta.phases.some((p) => p.foreignCores > meta.contentionThreshold);
	const text = `# Benchmarks

Generated by \`scripts/bench/run-bench.mjs\` (${meta.date}). The figures and tables are regenerated on every
full run; only the *Findings* section is written by hand.

## Targets

${table(['target', 'measured', 'met'], targets.map((t) => [t.name, t.value, t.met ? 'yes' : '**no**']))}

## Machine and run

- ${meta.machine.nproc} CPUs (\`nproc\`), ${meta.machine.cpuModel}, ${n1(meta.machine.memTotalGiB)} GiB memory, Linux ${meta.machine.kernel}
- n8n ${meta.n8nVersion} on Node ${meta.n8nNode} with n8n's default settings (expression engine: ${meta.expressionEngine}; binary data: filesystem, in queue mode database); emulator and this script on Node ${meta.benchNode}; package ${meta.packageVersion} built from ${meta.revision} (dist/ as staged at the start of the run)
- ${meta.reps} repetitions per side${meta.reps < 5 ? ' (**fewer than 5: a development run, not for comparison**)' : ''}, phases ${meta.ran.join(', ')}; full run took ${n0(meta.totalSeconds / 60)} min (${n0(meta.totalSeconds)} s)
- \`n8n execute\` processes that printed a complete run and then crashed while exiting (n8n's vm engine; the run is kept): ${meta.exitCrashes}
- \`uptime\` before: \`${meta.uptimeBefore}\`
- \`uptime\` after: \`${meta.uptimeAfter}\`

Other load on the machine, per phase: CPU cores busy with processes that are not this benchmark's (machine
busy time from \`/proc/stat\` minus this script, its n8n runs and the emulator), and the load averages.

| phase | duration | other processes (cores) | benchmark (cores) | load 1/5/15 before | load 1/5/15 after |
|---|---|---|---|---|---|
${contention}

${busy ? `**Contention:** other processes used more than ${meta.contentionThreshold} cores on average during at least one phase (this is a ${meta.machine.nproc}-core machine). The timings need a rerun on a quiet machine before they are quoted; the memory, request-count and failure figures do not depend on it.` : 'No significant contention seen (other processes below ' + meta.contentionThreshold + ' cores in every phase).'}

## How to reproduce

\`\`\`sh
npm run bench                                     # npm run build, then node scripts/bench/run-bench.mjs
node scripts/bench/run-bench.mjs --reps=5         # after npm run build; writes this file
node scripts/bench/run-bench.mjs --only=P1,P3 --reps=2 --no-docs   # a subset, summary only
\`\`\`

Flags: \`--reps=N\` (default 5), \`--only=P1,P2,P3,P4,P5,P6,P7,P8\`, \`--mirror-rows=2000,10000\`, \`--no-docs\` (print only; partial runs never write this
file unless \`--docs\` is given), \`--out=FILE\` (write the report there instead), \`--json=FILE\` (raw results), \`--keep\` (keep the temp folder with the n8n user
folder and the CPU profiles). Needs the n8n ${meta.n8nVersion} install of \`scripts/e2e\` (\`node scripts/e2e/n8n-install.mjs ${meta.n8nVersion}\`, cached in \`$N8N_E2E_CACHE_DIR\` or \`.cache/\`); P5 also needs \`redis-server\` and \`postgresql\` from Debian. Investigations, never the figures: \`--heap-profile\`, \`--cpu-profile\`, \`--mirror-env=NAME=value\` and \`--mirror-memory-limit=1G\` (root: n8n in a memory cgroup) with \`--only=P7\`; \`--memory-probe\` with \`--only=P2\`; \`P4_SIDES\`, \`P6_CONFIGS\`, \`P7_SIDES\` (environment) run some sides only; \`P7_KEEP_REQUESTS=1\` keeps P7's emulator request logs in the work folder (with \`--keep\`).

How it measures: the built package is staged outside the repo (\`stagePackage\`) and loaded through
\`N8N_CUSTOM_EXTENSIONS\`; credentials and workflows are imported once; every repetition is one
\`n8n execute --id=… --rawOutput\` process (n8n start-up is not in the figures: the time is the measured node's
\`executionTime\` from the run data). The Agora Chat emulator (\`test/emulator\`) runs as its own process on
127.0.0.1; all traffic stays on loopback. The HTTP Request node (typeVersion 4.2) carries the token the way n8n
asks users to: a *Header Auth* credential (\`Authorization: Bearer …\`, *Generic Credential Type*); the variant
with the header typed into the node is a lower bound. The Agora Chat Group credential uses Token Source *App
Token*. Items come from a Set node (\`Array.from({ length: N }, …)\`) and Split Out. Within every repetition the
sides of a comparison run one after the other, in an order rotated from one repetition to the next.

${meta.ran.map((k) => SECTION[k](results[k])).join('\n')}
## Findings

${NOTES_START}
${existingNotes(file)}
${NOTES_END}
`;
	fs.writeFileSync(file, text);
}
