// P6: the Agora Chat Callback Trigger in a real `n8n start` (n8n's defaults: one process, SQLite), registered as the
// emulator's callback rule (current format) with its Production URL.
//   latency: files uploaded through the emulator's REST API one at a time; from the service's event (the emulator
//            stored the upload and sent the callback) to the execution's start (its startedAt in n8n), and how long n8n
//            took to answer the callback; beside n8n's own Webhook node in the same n8n, plain and with Header Auth
//            (the part that is n8n's), and
//            the polling trigger's, which is computed (see POLLING below);
//   burst:   1,000 distinct signed callbacks at 100/s through the emulator's control endpoint, plus 100 repeats of
//            earlier callIds among them (the service's retry): executions started, lost, doubled; n8n's answers.

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { activate, CALLBACK_TRIGGER as TRIGGER, callbackTriggerWorkflow, createThroughApi, productionUrl } from '../../e2e/callback-workflows.mjs';
import { createN8nEnv } from '../../e2e/n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../../e2e/n8n-server.mjs';
import { fmt, percentile, summary } from './stats.mjs';
import { APP, APP_TOKEN, ORG } from './workflows.mjs';

const GROUP_ID = 'bench-callbacks';
const LATENCY_EVENTS = 20;
const LATENCY_SPACING_MS = 250;
const BURST = 1000;
const BURST_REPEATS = 100;
const BURST_PER_SECOND = 100;
const WAIT_MS = 300_000;
const STABLE_MS = 20_000;
/**
 * The polling trigger (chatGroupTrigger) is polled by n8n once a minute, at a second fixed per activation. An event at
 * a random moment therefore waits for the next poll a time uniform in [0, 60 s): median 30 s, p95 57 s, at most 60 s,
 * plus the poll's one listing and the execution's start. Computed, not measured: a measured figure would need an hour
 * of polls per percentile point and would only show this distribution.
 */
const POLLING = { medianMs: 30_000, p95Ms: 57_000, maxMs: 60_000 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const spread = (values) => ({ ...summary(values), p95: percentile(values, 95) });

async function openN8n(ctx, { extraEnv = {} }) {
	const root = fs.mkdtempSync(path.join(ctx.work, 'p6-'));
	const env = createN8nEnv({ version: ctx.install.version, install: ctx.install, userFolder: path.join(root, 'main'), customExtensions: ctx.customExtensions, extraEnv });
	const main = await startN8nProcess(env, 'start', { name: 'main' });
	try {
		ctx.extraPids?.push(main.pid);
		const api = await N8nApi.setUp(main.url, env);
		return { main, api, close: main.stop };
	} catch (error) {
		await main.stop();
		throw error;
	}
}

/** The trigger workflow (File Shared), created and activated through the REST API as the editor does. */
async function activeTrigger(api, baseUrl, secret) {
	const callbackCredential = { name: 'Agora Chat Callback account', type: 'agoraChatCallbackApi', data: { secret } };
	const workflow = callbackTriggerWorkflow({ name: 'bP6callbacks', events: ['fileShared'], callbackCredential });
	const { trigger: workflowId } = await createThroughApi(api, [callbackCredential], { trigger: workflow });
	await activate(api, workflowId);
	return { workflowId, url: productionUrl(baseUrl, workflow) };
}

/**
 * n8n's own Webhook node (POST, answers when received), the same path through n8n without this package: plain, and
 * with Header Auth (n8n reads a credential to check each request, as the trigger checks a signature).
 */
async function activeWebhookNode(api, baseUrl, { headerAuth }) {
	const path = randomUUID();
	const credential = headerAuth ? await api.request('POST', 'credentials', { name: 'Bench header', type: 'httpHeaderAuth', data: { name: 'X-Bench-Key', value: headerAuth } }) : undefined;
	const workflow = await api.request('POST', 'workflows', {
		name: headerAuth ? 'bP6webhookAuth' : 'bP6webhook',
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {},
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', ...(headerAuth ? { authentication: 'headerAuth' } : {}), options: {} },
				...(credential ? { credentials: { httpHeaderAuth: { id: credential.id, name: 'Bench header' } } } : {}),
			},
		],
	});
	await activate(api, workflow.id);
	return { workflowId: workflow.id, url: `${baseUrl}/webhook/${path}`, headers: headerAuth ? { 'x-bench-key': headerAuth } : {} };
}

/** The same number of POSTs, as far apart, to a Webhook node: n8n's answer, and its execution's start after the POST. */
async function measureWebhookNode(api, { workflowId, url, headers }) {
	const before = new Set((await allExecutions(api, workflowId)).map((execution) => execution.id));
	const posts = [];
	for (let index = 0; index < LATENCY_EVENTS; index++) {
		const sentAt = Date.now();
		const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ index }), signal: AbortSignal.timeout(30_000) });
		await response.text();
		posts.push({ index, sentAt, answerMs: Date.now() - sentAt, status: response.status });
		await sleep(LATENCY_SPACING_MS);
	}
	const executions = (await settledExecutions(api, workflowId, before.size + LATENCY_EVENTS)).filter((execution) => !before.has(execution.id));
	const startedByIndex = new Map();
	for (const execution of executions) {
		const full = await api.getExecution(execution.id);
		const index = full.run.data?.resultData?.runData?.Webhook?.[0]?.data?.main?.[0]?.[0]?.json?.body?.index;
		startedByIndex.set(index, new Date(execution.startedAt).getTime());
	}
	return {
		latencyMs: posts.map((post) => startedByIndex.get(post.index) - post.sentAt),
		answerMs: posts.map((post) => post.answerMs),
		ok: posts.filter((post) => post.status === 200).length,
	};
}

/** Every execution of the workflow (summaries: id, status, startedAt, stoppedAt), through the list's cursor. */
async function allExecutions(api, workflowId) {
	const executions = [];
	let cursor;
	for (;;) {
		const query = `filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const page = await api.request('GET', `executions?${query}`);
		executions.push(...page.results);
		if (!page.nextCursor || page.results.length === 0) break;
		cursor = page.nextCursor;
	}
	return [...new Map(executions.map((execution) => [execution.id, execution])).values()];
}

/**
 * Waits until `count` executions exist and all have ended, or until no new one has appeared for STABLE_MS (n8n
 * refused or lost some), or WAIT_MS: their summaries.
 */
async function settledExecutions(api, workflowId, count) {
	const deadline = Date.now() + WAIT_MS;
	let seen = -1;
	let changedAt = Date.now();
	for (;;) {
		// A busy n8n may not answer the list in time: ask again until the deadline.
		const listed = await allExecutions(api, workflowId).catch(() => undefined);
		const ended = listed?.every((execution) => execution.stoppedAt);
		if (listed && listed.length !== seen) {
			seen = listed.length;
			changedAt = Date.now();
		}
		if (listed && ended && (listed.length >= count || Date.now() - changedAt > STABLE_MS)) break;
		if (Date.now() > deadline) break;
		await sleep(2000);
	}
	await sleep(3000);
	return await allExecutions(api, workflowId);
}

/** The callIds each execution started with (read from its run data). */
async function callIdsOf(api, executions) {
	const byExecution = new Map();
	for (const summaryEntry of executions) {
		const execution = await api.getExecution(summaryEntry.id);
		const items = execution.run.data?.resultData?.runData?.[TRIGGER]?.[0]?.data?.main?.[0] ?? [];
		byExecution.set(summaryEntry.id, [...new Set(items.map((item) => item.json.callId))]);
	}
	return byExecution;
}

/** Every delivery has ended (each takes at most two attempts of 10 s); the admin call itself gives up after 60 s, so ask again. */
async function untilDelivered(ctx) {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		try {
			await ctx.emulator.admin('POST', 'callbacks/idle');
			return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
		}
	}
}

async function upload(emulatorUrl, fileName) {
	const form = new FormData();
	form.append('file', new Blob([randomBytes(1024)], { type: 'application/octet-stream' }), fileName);
	const response = await fetch(`${emulatorUrl}/${ORG}/${APP}/chatgroups/${GROUP_ID}/share_files`, { method: 'POST', headers: { authorization: `Bearer ${APP_TOKEN}` }, body: form });
	if (!response.ok) throw new Error(`upload ${fileName}: ${response.status} ${await response.text()}`);
}

async function measureLatency(ctx, api, workflowId) {
	const before = new Set((await allExecutions(api, workflowId)).map((execution) => execution.id));
	await ctx.emulator.admin('DELETE', 'callbacks/deliveries');
	for (let index = 0; index < LATENCY_EVENTS; index++) {
		await upload(ctx.emulator.url, `latency-${index}.bin`);
		await sleep(LATENCY_SPACING_MS);
	}
	await untilDelivered(ctx);
	const deliveries = await ctx.emulator.admin('GET', 'callbacks/deliveries');
	const executions = (await settledExecutions(api, workflowId, before.size + LATENCY_EVENTS)).filter((execution) => !before.has(execution.id));
	const callIds = await callIdsOf(api, executions);
	const startedByCallId = new Map(executions.map((execution) => [callIds.get(execution.id)?.[0], new Date(execution.startedAt).getTime()]));
	const latencies = deliveries.map((delivery) => startedByCallId.get(delivery.callId) - delivery.occurredAt);
	return {
		events: deliveries.length,
		executions: executions.length,
		latencyMs: latencies,
		answerMs: deliveries.map((delivery) => delivery.attempts[0]?.ms),
		firstAttemptOk: deliveries.filter((delivery) => delivery.attempts[0]?.status === 200).length,
	};
}

async function burst(ctx, api, workflowId, ruleId, { count = BURST, perSecond = BURST_PER_SECOND, repeats = BURST_REPEATS } = {}) {
	const before = new Set((await allExecutions(api, workflowId)).map((execution) => execution.id));
	await ctx.emulator.admin('DELETE', 'callbacks/deliveries');
	const callIds = Array.from({ length: count }, () => `${ORG}#${APP}_${randomUUID()}`);
	// After every tenth callback, the one sent five places earlier again, as the service's retry would.
	const plan = [];
	for (let index = 0; index < count; index++) {
		plan.push(callIds[index]);
		if (repeats && index % (count / repeats) === count / repeats - 1) plan.push(callIds[index - 5]);
	}
	// The emulator paces nothing here: each send is queued there (answered at once) at its moment, and delivered at once.
	const started = Date.now();
	for (const [index, callId] of plan.entries()) {
		await sleep(Math.max(0, started + (index * 1000) / perSecond - Date.now()));
		const event = { kind: 'uploadFile', groupId: GROUP_ID, operator: '@ppAdmin', file: { file_id: `burst-${callId.slice(-12)}`, file_name: 'burst.bin', file_owner: '@ppAdmin', file_size: 1, created: Date.now() } };
		await ctx.emulator.admin('POST', 'callbacks/send', { ruleId, event, callId, wait: false });
	}
	const sentSeconds = (Date.now() - started) / 1000;
	await untilDelivered(ctx);
	const deliveries = await ctx.emulator.admin('GET', 'callbacks/deliveries');
	const executions = (await settledExecutions(api, workflowId, before.size + count)).filter((execution) => !before.has(execution.id));
	const byExecution = await callIdsOf(api, executions);
	const seen = new Map();
	for (const ids of byExecution.values()) for (const callId of ids) seen.set(callId, (seen.get(callId) ?? 0) + 1);
	const startTimes = executions.map((execution) => new Date(execution.startedAt).getTime()).sort((a, b) => a - b);
	return {
		posts: plan.length,
		distinct: count,
		perSecond,
		firstAttempt200: deliveries.filter((delivery) => delivery.attempts[0]?.status === 200).length,
		sentSeconds,
		executions: executions.length,
		failedExecutions: executions.filter((execution) => execution.status !== 'success').length,
		lost: callIds.filter((callId) => !seen.has(callId)).length,
		doubled: [...seen.values()].filter((count) => count > 1).length,
		statuses: deliveries.reduce((counts, delivery) => {
			const key = delivery.attempts.map((attempt) => attempt.status).join('/');
			counts[key] = (counts[key] ?? 0) + 1;
			return counts;
		}, {}),
		answerMs: deliveries.flatMap((delivery) => delivery.attempts.map((attempt) => attempt.ms)),
		errors: [...new Set(deliveries.flatMap((delivery) => delivery.attempts.map((attempt) => attempt.error).filter(Boolean)))].slice(0, 3),
		executionSpanSeconds: startTimes.length > 1 ? (startTimes.at(-1) - startTimes[0]) / 1000 : NaN,
		lastStartAfterLastSendMs: startTimes.length ? startTimes.at(-1) - (started + sentSeconds * 1000) : NaN,
	};
}

/** The same pace of distinct POSTs to n8n's own Webhook node (no retry): how many executions n8n starts, as a reference. */
async function burstWebhookNode(api, { workflowId, url, headers }) {
	const before = new Set((await allExecutions(api, workflowId)).map((execution) => execution.id));
	const started = Date.now();
	const posts = [];
	for (let index = 0; index < BURST; index++) {
		await sleep(Math.max(0, started + (index * 1000) / BURST_PER_SECOND - Date.now()));
		const sentAt = Date.now();
		posts.push(
			fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ index }), signal: AbortSignal.timeout(10_000) }).then(
				async (response) => ({ status: response.status, ms: (await response.text(), Date.now() - sentAt) }),
				() => ({ status: 0, ms: Date.now() - sentAt }),
			),
		);
	}
	const answers = await Promise.all(posts);
	const executions = (await settledExecutions(api, workflowId, before.size + BURST)).filter((execution) => !before.has(execution.id));
	return { executions: executions.length, answered200: answers.filter((answer) => answer.status === 200).length, answerMs: spread(answers.map((answer) => answer.ms)) };
}

/** What P6 measures in: n8n's defaults (the figures), then the one override that shows where the time goes. */
const CONFIGURATIONS = [
	{ key: 'defaults', label: "n8n's defaults (vm expression engine)" },
	// n8n 2.x takes an expression isolate for every webhook call of a trigger other than its own Webhook node; with lazy
	// acquisition it builds one only when an expression is evaluated (this trigger's webhook evaluates none).
	{ key: 'lazy', label: 'N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true (an override, not the figure)', extraEnv: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } },
	// No isolate at all: what the rest of n8n (its database, the execution's start) allows on this machine.
	{ key: 'legacy', label: 'N8N_EXPRESSION_ENGINE=legacy (an override, not the figure)', extraEnv: { N8N_EXPRESSION_ENGINE: 'legacy' } },
	// P6_CONFIGS=defaults,legacy (for instance) runs only those; the figures need `defaults`.
].filter((configuration) => !process.env.P6_CONFIGS || process.env.P6_CONFIGS.split(',').includes(configuration.key));

/**
 * The rates tried after the bursts, n8n's defaults only: the highest at which every callback is answered 200 at the
 * first attempt, within a second (p95), and none is lost is what this n8n keeps up with on this machine.
 */
const LADDER_RATES = [10, 20, 30, 50];
const LADDER_COUNT = 300;

/**
 * What one expression isolate costs n8n to build (its @n8n/expression-runtime, its Node): n8n 2.x builds one for every
 * webhook call of a trigger other than its own Webhook node (a pool of one, replenished after every use).
 */
async function isolateCost(ctx) {
	const nodeModules = path.resolve(path.dirname(ctx.install.n8nBin), '..', '..');
	const runtime = path.join(nodeModules, '@n8n', 'expression-runtime');
	if (!fs.existsSync(runtime)) return undefined;
	const script = `const rt = require(${JSON.stringify(runtime)});
(async () => {
	const make = () => new rt.IsolatedVmBridge({ timeout: 5000, memoryLimit: 128 });
	const warm = make(); await warm.initialize(); await warm.dispose();
	const n = 30; const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
	for (let i = 0; i < n; i++) { const bridge = make(); await bridge.initialize(); await bridge.dispose(); }
	const cpu = process.cpuUsage(c0);
	console.log(JSON.stringify({ wallMs: Number(process.hrtime.bigint() - t0) / 1e6 / n, cpuMs: (cpu.user + cpu.system) / 1000 / n }));
})().catch((error) => { console.error(error); process.exit(1); });`;
	const file = path.join(ctx.work, 'isolate-cost.cjs');
	fs.writeFileSync(file, script);
	try {
		return JSON.parse(execFileSync(ctx.install.nodeBin, [file], { encoding: 'utf8', timeout: 120_000 }).trim().split('\n').at(-1));
	} catch (error) {
		ctx.log(`  isolate cost not measured: ${error.message.split('\n')[0]}`);
		return undefined;
	}
}

async function runConfiguration(ctx, configuration) {
	const secret = randomBytes(16).toString('hex');
	const n8n = await openN8n(ctx, configuration);
	const runs = [];
	const ladder = [];
	try {
		const { workflowId, url } = await activeTrigger(n8n.api, n8n.main.url, secret);
		const webhookNodes = { plain: await activeWebhookNode(n8n.api, n8n.main.url, {}), headerAuth: await activeWebhookNode(n8n.api, n8n.main.url, { headerAuth: randomBytes(8).toString('hex') }) };
		const rule = await ctx.emulator.admin('POST', 'callbacks/rules', { url, secret, format: 'current', events: ['uploadFile'] });
		// n8n 2.x registers the webhook shortly after the activation: wait until it answers (401 to a bad signature).
		const deadline = Date.now() + 60_000;
		while ((await ctx.emulator.admin('POST', 'callbacks/send', { ruleId: rule.id, event: { kind: 'deleteFile', groupId: GROUP_ID, operator: 'probe', fileId: 'x' }, security: '0'.repeat(32), retry: false })).attempts[0].status !== 401) {
			if (Date.now() > deadline) throw new Error('the trigger\'s webhook did not answer within 60 s');
			await sleep(500);
		}
		for (let rep = 0; rep < ctx.reps; rep++) {
			const latency = await measureLatency(ctx, n8n.api, workflowId);
			const baseline = { plain: await measureWebhookNode(n8n.api, webhookNodes.plain), headerAuth: await measureWebhookNode(n8n.api, webhookNodes.headerAuth) };
			const flood = await burst(ctx, n8n.api, workflowId, rule.id);
			const webhookBurst = await burstWebhookNode(n8n.api, webhookNodes.plain);
			runs.push({ rep, latency, baseline, burst: flood, webhookBurst });
			const [l, a, b, h] = [latency.latencyMs, flood.answerMs, baseline.plain.latencyMs, baseline.headerAuth.latencyMs].map(spread);
			ctx.log(`  ${configuration.key} rep ${rep + 1}/${ctx.reps}: event → execution start median ${l.median} ms, p95 ${l.p95} ms (${latency.executions}/${latency.events} executions); n8n's Webhook node: POST → execution start median ${b.median} ms, p95 ${b.p95} ms (Header Auth: ${h.median} / ${h.p95} ms); burst: ${flood.posts} posts in ${flood.sentSeconds.toFixed(1)} s, ${flood.executions} executions, ${flood.lost} lost, ${flood.doubled} doubled, answers median ${a.median} ms, p95 ${a.p95} ms, max ${a.max} ms, ${JSON.stringify(flood.statuses)}${flood.errors.length ? `; errors: ${flood.errors.join(' | ')}` : ''}; Webhook node burst: ${webhookBurst.executions} executions, ${webhookBurst.answered200} answered 200, answers median ${webhookBurst.answerMs.median} ms`);
		}
		if (configuration.key === 'defaults') {
			for (const perSecond of LADDER_RATES) {
				const step = await burst(ctx, n8n.api, workflowId, rule.id, { count: LADDER_COUNT, perSecond, repeats: 0 });
				ladder.push(step);
				ctx.log(`  ${configuration.key} ladder ${perSecond}/s: ${step.posts} callbacks, ${step.firstAttempt200} answered 200 at the first attempt, ${step.executions} executions, ${step.lost} lost, ${step.doubled} doubled, answers p95 ${n0(percentile(step.answerMs, 95))} ms`);
				if (step.lost > 0 && step.firstAttempt200 < LADDER_COUNT / 2) break;
			}
		}
	} finally {
		await ctx.emulator.admin('DELETE', 'callbacks/rules').catch(() => {});
		await n8n.close();
	}
	const latencies = runs.flatMap((run) => run.latency.latencyMs);
	const baselineOf = (kind, field) => spread(runs.flatMap((run) => run.baseline[kind][field]));
	return {
		label: configuration.label,
		ladder: ladder.map((step) => ({ perSecond: step.perSecond, posts: step.posts, firstAttempt200: step.firstAttempt200, executions: step.executions, lost: step.lost, doubled: step.doubled, answer: spread(step.answerMs) })),
		// Absorbed: every answer 200 at the first attempt, none lost or doubled, and answers that stay under a second (a
		// rate the machine keeps up with; above it the answers grow with the burst's length until the service gives up).
		sustainedPerSecond: Math.max(0, ...ladder.filter((step) => step.firstAttempt200 === step.posts && step.lost === 0 && step.doubled === 0 && percentile(step.answerMs, 95) < 1000).map((step) => step.perSecond)),
		runs: runs.map((run) => ({ rep: run.rep, latency: { events: run.latency.events, executions: run.latency.executions, latency: spread(run.latency.latencyMs) }, burst: { ...run.burst, answerMs: spread(run.burst.answerMs) }, webhookBurst: run.webhookBurst })),
		webhookBurstExecutions: summary(runs.map((run) => run.webhookBurst.executions)),
		baseline: {
			plain: { latency: baselineOf('plain', 'latencyMs'), answer: baselineOf('plain', 'answerMs') },
			headerAuth: { latency: baselineOf('headerAuth', 'latencyMs'), answer: baselineOf('headerAuth', 'answerMs') },
		},
		latency: spread(latencies),
		answer: spread(runs.flatMap((run) => run.latency.answerMs)),
		burstAnswer: spread(runs.flatMap((run) => run.burst.answerMs)),
		latencyEvents: latencies.filter(Number.isFinite).length,
		missingLatencyExecutions: runs.reduce((sum, run) => sum + run.latency.events - run.latency.executions, 0),
		executions: summary(runs.map((run) => run.burst.executions)),
		lost: summary(runs.map((run) => run.burst.lost)),
		doubled: summary(runs.map((run) => run.burst.doubled)),
		failedExecutions: summary(runs.map((run) => run.burst.failedExecutions)),
	};
}

export const P6 = {
	key: 'P6',
	title: 'Callback trigger: event to execution start, and 1,000 callbacks at 100/s',
	workflows: () => [],
	async run(ctx) {
		await ctx.emulator.admin('POST', 'groups', { groupId: GROUP_ID });
		const results = { polling: POLLING, isolate: await isolateCost(ctx) };
		if (results.isolate) ctx.log(`  one expression isolate: ${results.isolate.wallMs.toFixed(1)} ms to build, ${results.isolate.cpuMs.toFixed(1)} ms of CPU`);
		for (const configuration of CONFIGURATIONS) results[configuration.key] = await runConfiguration(ctx, configuration);
		return results;
	},
	targets(res) {
		const r = res.defaults;
		if (!r) return [];
		const other = (key, text) => (res[key] ? text(res[key]) : undefined);
		const latencyOthers = [other('lazy', (x) => `lazy isolates: ${x.latency.median} / ${x.latency.p95} ms`), other('legacy', (x) => `legacy engine: ${x.latency.median} / ${x.latency.p95} ms`), `polling trigger: ${POLLING.medianMs / 1000} s / ${POLLING.p95Ms / 1000} s, computed`].filter(Boolean);
		const burstOf = (x) => `executions ${fmt(x.executions)}, lost max ${x.lost.max}, doubled max ${x.doubled.max}, answered 200 at the first attempt ${fmt(summary(x.runs.map((run) => run.burst.firstAttempt200)))}`;
		const burstOthers = [other('lazy', (x) => `lazy isolates: ${burstOf(x)}`), other('legacy', (x) => `legacy engine: ${burstOf(x)}`), `n8n's Webhook node at the same pace: ${fmt(r.webhookBurstExecutions)} executions`].filter(Boolean);
		const isolate = res.isolate ? `; one expression isolate costs ${res.isolate.cpuMs.toFixed(0)} ms of CPU to build, and n8n builds one per webhook call of this trigger` : '';
		return [
			{ name: 'P6 callback trigger: the execution starts within a second of the event (p95, n8n\'s defaults)', met: r.latency.p95 < 1000, value: `median ${r.latency.median} ms, p95 ${r.latency.p95} ms over ${r.latencyEvents} events (${latencyOthers.join('; ')})` },
			{ name: 'P6 1,000 callbacks at 100/s (+100 repeats): 1,000 executions, none lost, none doubled (n8n\'s defaults)', met: r.executions.min === BURST && r.executions.max === BURST && r.lost.max === 0 && r.doubled.max === 0, value: `${burstOf(r)} (${burstOthers.join('; ')}); n8n's defaults keep up (every answer 200 at the first attempt, p95 under 1 s) up to ${r.sustainedPerSecond}/s (tried ${r.ladder.map((step) => `${step.perSecond}/s`).join(', ')})${isolate}` },
		];
	},
};

const n0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const cells = (x) => [n0(x.median), n0(x.p95), n0(x.max)];

function burstTable(r) {
	const header = ['rep', 'event → execution start, median / p95 ms', 'burst posts', 'executions', 'lost', 'doubled', 'failed executions', "n8n's answer, median / p95 / max ms", 'answers (status per attempt: count)', "n8n's Webhook node, 1,000 POSTs at the same pace: executions (answered 200)"];
	const rows = r.runs.map((run) => [
		String(run.rep + 1),
		`${n0(run.latency.latency.median)} / ${n0(run.latency.latency.p95)}`,
		`${run.burst.posts} in ${run.burst.sentSeconds.toFixed(1)} s`,
		String(run.burst.executions),
		String(run.burst.lost),
		String(run.burst.doubled),
		String(run.burst.failedExecutions),
		`${n0(run.burst.answerMs.median)} / ${n0(run.burst.answerMs.p95)} / ${n0(run.burst.answerMs.max)}`,
		Object.entries(run.burst.statuses).map(([statuses, count]) => `${statuses}: ${count}`).join(', '),
		`${run.webhookBurst.executions} (${run.webhookBurst.answered200})`,
	]);
	return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The section of docs/benchmarks.md (report.mjs). */
export function p6Section(res) {
	const d = res.defaults;
	if (!d) return '## P6 Callback trigger\n\nNot measured with n8n\'s defaults in this run (P6_CONFIGS).\n';
	const shown = ['defaults', 'lazy', 'legacy'].filter((key) => res[key]);
	const titles = { defaults: 'defaults', lazy: 'lazy isolates', legacy: 'legacy engine' };
	const row = (label, get) => `| ${label} | ${shown.flatMap((key) => cells(get(res[key]))).join(' | ')} |`;
	const head = `| ms | ${shown.map((key) => `${titles[key]}: median | p95 | max`).join(' | ')} |`;
	const polling = `| **Polling trigger** (every minute): event → poll, **computed** (uniform wait for the next poll; add one listing and the execution's start) | ${shown.map(() => `${n0(res.polling.medianMs)} | ${n0(res.polling.p95Ms)} | ${n0(res.polling.maxMs)}`).join(' | ')} |`;
	const ladderRows = (d.ladder ?? []).map((step) => `| ${step.perSecond}/s | ${step.posts} | ${step.firstAttempt200} | ${step.executions} | ${step.lost} | ${step.doubled} | ${n0(step.answer.median)} / ${n0(step.answer.p95)} / ${n0(step.answer.max)} |`);
	const isolate = res.isolate
		? `One expression isolate, built by the installed n8n's own \`@n8n/expression-runtime\` on its Node: **${res.isolate.wallMs.toFixed(1)} ms, ${res.isolate.cpuMs.toFixed(1)} ms of CPU** (mean of 30). n8n's pool holds one and builds the next after every use, so each callback costs that much CPU before the trigger sees it: on 2 cores, with nothing else to do, about ${Math.floor((2 * 1000) / res.isolate.cpuMs)} callbacks/s at most.`
		: '';
	const bursts = shown.map((key) => `Bursts, ${titles[key]} (executions per burst ${fmt(res[key].executions)}; lost ${fmt(res[key].lost)}; doubled ${fmt(res[key].doubled)}):\n\n${burstTable(res[key])}`).join('\n\n');
	return `## P6 Callback trigger: from the service's event to the execution, and a burst

A real \`n8n start\` (one process, SQLite); the workflow holds the **Agora Chat Callback Trigger** (File Shared), active,
registered at the emulator as a callback rule (current format) with its Production URL. Per repetition: ${LATENCY_EVENTS} files
uploaded through the emulator's REST API ${LATENCY_SPACING_MS} ms apart; the same number of POSTs, as far apart, to n8n's own Webhook
node in the same n8n (plain, and with Header Auth); then ${BURST.toLocaleString('en-US')} distinct signed callbacks sent at ${BURST_PER_SECOND}/s through the
emulator's control endpoint, with ${BURST_REPEATS} repeats of earlier callIds among them (the service's retry). The emulator
waits 10 s for an answer, and retries a failed delivery once at once, as the service does. After each burst, 1,000 POSTs
at the same pace to n8n's own Webhook node (no retry) show what n8n itself takes. Measured with n8n's defaults (the
figures), and as overrides that show where the time goes: \`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\` (an isolate only
when an expression is evaluated) and \`N8N_EXPRESSION_ENGINE=legacy\` (no isolate). n8n 2.x takes an expression isolate
for every webhook call of any trigger but its own Webhook node (\`live-webhooks.js\`, \`webhookPhaseNeedsIsolate\`). ${isolate}

${head}
|---|${shown.map(() => '---|---|---').join('|')}|
${row('**Callback trigger**: service event → execution start (the execution\'s \`startedAt\` minus the moment the emulator stored the upload)', (x) => x.latency)}
${row("n8n's answer to those callbacks (as the emulator timed it)", (x) => x.answer)}
${row("n8n's own Webhook node, same n8n, same pace: POST → execution start", (x) => x.baseline.plain.latency)}
${row("n8n's own Webhook node: its answer", (x) => x.baseline.plain.answer)}
${row("n8n's own Webhook node with Header Auth (n8n checks a credential per request): POST → execution start", (x) => x.baseline.headerAuth.latency)}
${row("n8n's own Webhook node with Header Auth: its answer", (x) => x.baseline.headerAuth.answer)}
${polling}

${bursts}

What n8n's defaults absorb: ${LADDER_COUNT} callbacks at each rate (no repeats), one after the other, in the same n8n after the
bursts. Kept up with (every callback answered 200 at the first attempt, p95 of the answers under a second, none lost,
none doubled) up to **${d.sustainedPerSecond}/s**; above it the answers grow with the burst's length, and once they pass the
service's 10 s it gives up on callbacks.

| rate | callbacks | answered 200 at the first attempt | executions | lost | doubled | answer median / p95 / max ms |
|---|---|---|---|---|---|---|
${ladderRows.join('\n')}
`;
}
