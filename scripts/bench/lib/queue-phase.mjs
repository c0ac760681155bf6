// P5: queue mode. Redis + PostgreSQL, one n8n main and two `n8n worker`s (n8n's defaults otherwise);
// two executions of 1,000 × Announcement Get against ONE app key, started together through the REST
// API (manual runs go to the workers), while the emulator refuses beyond 100 calls/s for that key.

import fs from 'node:fs';
import path from 'node:path';

import { createN8nEnv, importCredentials, importWorkflow } from '../../e2e/n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../../e2e/n8n-server.mjs';
import { queueModeVars, startPostgres, startRedis } from '../../e2e/queue-services.mjs';
import { maxInWindow, summary } from './stats.mjs';
import * as W from './workflows.mjs';

const ITEMS = 1000;
const EXECUTIONS = 2;
const WORKERS = 2;
const EMULATOR_RATE_LIMIT = 100;
const GROUP_ID = '66021836783650';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isFailedItem = (item) => Boolean(item.error || item.json?.error);

/** Main + workers on Redis and PostgreSQL; `close()` stops them all. */
async function openQueue(ctx) {
	const root = fs.mkdtempSync(path.join(ctx.work, 'p5-'));
	const stops = [];
	const close = async () => {
		for (const stop of stops.reverse()) await stop().catch(() => {});
	};
	try {
		const redis = await startRedis(root);
		stops.push(redis.stop);
		const postgres = await startPostgres(root);
		stops.push(postgres.stop);
		const env = createN8nEnv({ version: ctx.install.version, install: ctx.install, userFolder: path.join(root, 'main'), customExtensions: ctx.customExtensions, extraEnv: queueModeVars({ redis, postgres }) });
		await importCredentials(env, ctx.credentials);
		const main = await startN8nProcess(env, 'start', { name: 'main' });
		stops.push(main.stop);
		const workers = [];
		for (let i = 1; i <= WORKERS; i++) {
			const folder = path.join(root, `worker-${i}`);
			fs.mkdirSync(folder, { recursive: true });
			// Concurrency 1 (n8n's default is 10): each execution on its own worker, the case measured here.
			const worker = await startN8nProcess({ ...env, userFolder: folder, vars: { ...env.vars, N8N_USER_FOLDER: folder } }, 'worker', { name: `worker-${i}`, args: ['--concurrency=1'] });
			stops.push(worker.stop);
			workers.push(worker);
			ctx.extraPids?.push(worker.pid);
		}
		ctx.extraPids?.push(main.pid);
		const api = await N8nApi.setUp(main.url, env);
		return { env, main, workers, api, close };
	} catch (error) {
		await close();
		throw error;
	}
}

export const P5 = {
	key: 'P5',
	title: `Queue mode: two workers, ${EXECUTIONS} × ${ITEMS.toLocaleString('en-US')} items on one app key`,
	workflows: () => [],
	async run(ctx) {
		const g = GROUP_ID;
		const workflows = Array.from({ length: EXECUTIONS }, (_, i) => W.announcementChatGroup(`bP5run${i + 1}`, { count: ITEMS, groupId: g, cred: W.CRED.agoraDefault, continueOnFail: true }));
		const queue = await openQueue(ctx);
		const runs = [];
		try {
			await importWorkflow(queue.env, workflows);
			await ctx.emulator.admin('POST', 'groups', { groupId: g, announcement: 'Stand-up at 9:30 in room 4.' }).catch(() => {});
			await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: EMULATOR_RATE_LIMIT });
			for (let rep = 0; rep < ctx.reps; rep++) {
				await sleep(1100); // the emulator's window is one second of real time: start with it empty
				await ctx.emulator.admin('DELETE', 'requests');
				const startedAt = Date.now();
				const started = await Promise.all(workflows.map((wf) => queue.api.runManually(wf.id, 'Start')));
				const executions = await Promise.all(started.map(({ executionId }) => queue.api.waitForExecution(executionId)));
				const requests = await ctx.emulator.admin('GET', 'requests');
				const run = { rep, startedAt, executions: [], requests };
				for (const [i, execution] of executions.entries()) {
					const task = execution.run.data?.resultData?.runData?.[W.BENCH_NODE]?.[0];
					const items = task?.data?.main?.[0] ?? [];
					const startedLine = new RegExp(`Worker started execution ${execution.id} \\(job `);
					run.executions.push({
						id: execution.id,
						status: execution.status,
						worker: queue.workers.filter((worker) => startedLine.test(worker.output())).map((worker) => worker.name).join('+') || 'none',
						items: items.length,
						failed: items.filter(isFailedItem).length + (ITEMS - items.length),
						nodeStart: task?.startTime,
						nodeEnd: task ? task.startTime + task.executionTime : undefined,
						error: execution.run.data?.resultData?.error?.message,
					});
					if (!task) ctx.log(`  ! execution ${execution.id} (${workflows[i].id}): ${execution.status} ${execution.run.data?.resultData?.error?.message ?? ''}`);
				}
				const ok = run.executions.every((e) => e.nodeStart !== undefined);
				const api = requests.filter((q) => q.operation !== 'token');
				const times = api.map((q) => q.receivedAt);
				run.ok = ok;
				run.status429 = api.filter((q) => q.status === 429).length;
				run.status200 = api.filter((q) => q.status === 200).length;
				run.failedItems = run.executions.reduce((s, e) => s + e.failed, 0);
				run.successfulItems = EXECUTIONS * ITEMS - run.failedItems;
				if (ok) {
					const first = Math.min(...run.executions.map((e) => e.nodeStart));
					const last = Math.max(...run.executions.map((e) => e.nodeEnd));
					run.aggregatePerSec = run.successfulItems / ((last - first) / 1000);
					run.timeToLastItemMs = last - startedAt;
					run.nodeSpanMs = last - first;
				}
				run.flowPerSec = times.length > 1 ? (run.status200 - 1) / ((Math.max(...times) - Math.min(...times)) / 1000) : NaN;
				run.maxInAnySecond = maxInWindow(api.filter((q) => q.status === 200).map((q) => q.receivedAt), 1000);
				runs.push(run);
				ctx.log(`  rep ${rep + 1}/${ctx.reps}: ${run.executions.map((e) => `exec ${e.id} on ${e.worker}: ${e.items} items, ${e.failed} failed`).join('; ')}; ${n1(run.aggregatePerSec)} successful/s aggregate, ${run.status429} × 429, last item after ${run.timeToLastItemMs} ms`);
			}
		} finally {
			await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0 }).catch(() => {});
			await queue.close();
		}
		const okRuns = runs.filter((r) => r.ok);
		return {
			runs: runs.map(({ requests, ...rest }) => rest),
			aggregatePerSec: summary(okRuns.map((r) => r.aggregatePerSec)),
			failedItems: summary(runs.map((r) => r.failedItems)),
			status429: summary(runs.map((r) => r.status429)),
			timeToLastItemMs: summary(okRuns.map((r) => r.timeToLastItemMs)),
			flowPerSec: summary(okRuns.map((r) => r.flowPerSec)),
			maxInAnySecond: summary(runs.map((r) => r.maxInAnySecond)),
			workers: runs.map((r) => r.executions.map((e) => e.worker).join(', ')),
		};
	},
	targets(res) {
		return [
			{ name: 'P5 queue mode, 2 workers × 1,000 items, one app key: 0 failed items', met: res.failedItems.max === 0, value: `failed items max ${res.failedItems.max}` },
			{ name: 'P5 aggregate successful calls/s ≥ 90', met: res.aggregatePerSec.median >= 90, value: `${n1(res.aggregatePerSec.median)} successful calls/s (${res.status429.median} × 429 median)` },
		];
	},
};

const n1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
