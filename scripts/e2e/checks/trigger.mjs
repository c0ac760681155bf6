// The Agora Chat Group Trigger in a real n8n, as a user runs it: examples/save-new-files.json imported,
// ACTIVATED (polled every minute by n8n's own scheduler, `n8n start`), files added to the emulator between
// polls, while the workflow was deactivated and while n8n was stopped. Shown from n8n's execution records
// (REST API) and the inbox folder: each new file arrived exactly once, none of those already there, none lost.
//
// On the server pass it runs its own n8n (own user folder and SQLite database) so that it can restart it
// without disturbing the pass's shared instance, twice on n8n 2.41+: with n8n's default poll scheduler and
// with its opt-in durable one (N8N_SCHEDULER_ENABLED, N8N_SCHEDULER_POLL_TRIGGERS_ENABLED,
// N8N_POLLER_DURABLE_CURSORS_ENABLED). On the queue pass it uses the pass's main and workers: the main polls,
// the workers run the executions, the state lives in PostgreSQL.
//
// No check depends on when n8n polls: n8n's Every Minute fires at a random second chosen at activation
// (n8n-workflow's toCronExpression; the durable scheduler seeds it from the workflow and node), so the
// activation's own poll is shown on a workflow of its own whose schedule cannot fire for weeks, and every
// other step waits for what it expects (a listing, an execution) instead of for a time.
//
// TRIGGER_E2E_KEEP=1 keeps its n8n folder (logs, database) for a look afterwards.
// TRIGGER_E2E_ACTIVATION_ROUNDS=10 activates and deactivates the activation probe 10 times (default 1)
// and reports how many rounds passed; TRIGGER_E2E_ACTIVATION_ONLY=1 runs nothing else.
// TRIGGER_E2E_SCHEDULERS=default,durable picks the server-pass runs.

import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { createN8nEnv, customNodeType, importCredentials, importWorkflow } from '../n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../n8n-server.mjs';

const require = createRequire(import.meta.url);
const { loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'trigger';
// On the cli pass (n8n 1.x, where the suite otherwise uses `n8n execute`) it also starts its own `n8n start`.
export const passes = ['server', 'queue', 'cli'];

const TRIGGER = 'New shared file';
const SAVE = 'Save to the inbox folder';
/** n8n polls once a minute at a random second; a poll can also wait behind a busy machine. */
const POLL_WAIT_MS = 150_000;
/** After the activation's listing: how long the probe watches for a second one (its schedule cannot fire). */
const PROBE_SETTLE_MS = 5_000;
/** Group ids of the activation probes: one new group per round, so each round is a first activation. */
const PROBE_GROUP_BASE = 770_000_000_000;

const DURABLE_SCHEDULER_VARS = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};

const activationOnly = process.env.TRIGGER_E2E_ACTIVATION_ONLY === '1';
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** n8n 1.x saves static data (the trigger's state) only for workflow ids of at most 16 characters. */
function exampleWorkflow({ groupId, inbox }) {
	const workflow = prepareExample(loadExample('save-new-files'), { inboxFolder: inbox });
	const trigger = workflow.nodes.find((node) => node.name === TRIGGER);
	trigger.type = customNodeType('chatGroupTrigger');
	trigger.parameters.groupId = groupId;
	if (workflow.id.length > 16) throw new Error(`workflow id ${workflow.id} is longer than 16 characters: n8n 1.x would not save the trigger's state`);
	return workflow;
}

async function listRequests(ctx, groupId = ctx.groupId) {
	return (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'listFiles' && request.groupId === groupId);
}

/** Waits until the emulator has seen more than `count` listings of the group: a poll ran. */
async function waitForPoll(ctx, count, groupId = ctx.groupId) {
	const deadline = Date.now() + POLL_WAIT_MS;
	for (;;) {
		if ((await listRequests(ctx, groupId)).length > count) return;
		if (Date.now() > deadline) throw new Error(`no poll within ${POLL_WAIT_MS / 1000} s (${count} listings so far)`);
		await sleep(1000);
	}
}

/** The executions the active workflow's trigger started (not the editor's test runs). */
async function triggerExecutions(api, workflowId) {
	const list = await api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`);
	return (list.results ?? list).filter((execution) => execution.mode !== 'manual');
}

/** The trigger's executions, oldest first, each finished, with its run data. */
async function finishedExecutions(api, workflowId, expectedCount) {
	const deadline = Date.now() + POLL_WAIT_MS;
	for (;;) {
		const results = await triggerExecutions(api, workflowId);
		if (results.length >= expectedCount && results.every((execution) => execution.stoppedAt)) {
			const executions = [];
			for (const summary of results) executions.push(await api.waitForExecution(summary.id));
			return executions.sort((a, b) => Number(a.id) - Number(b.id));
		}
		if (Date.now() > deadline) throw new Error(`${results.length} executions after ${POLL_WAIT_MS / 1000} s, expected ${expectedCount}`);
		await sleep(1000);
	}
}

async function activate(api, workflowId) {
	const stored = await api.request('GET', `workflows/${workflowId}`);
	await api.request('POST', `workflows/${workflowId}/activate`, { versionId: stored.versionId });
}

async function deactivate(api, workflowId) {
	await api.request('POST', `workflows/${workflowId}/deactivate`, {});
}

function emittedFileNames(ctx, execution) {
	return ctx.outputOf(execution.run, TRIGGER).map((item) => item.json.file_name);
}

const shareInto = (ctx, groupId) => async (fileName, content) =>
	await ctx.emulator.admin('POST', 'files', { groupId, fileName, contentBase64: content.toString('base64'), contentType: 'application/octet-stream' });

/**
 * What the node guarantees for an activation, shown where nothing else can blur it: a workflow of its
 * own whose only schedule is a day of the month weeks away, watching a group of its own (new each
 * round, so each activation is a first one). Every listing of that group after the activation is the
 * activation's poll: it must be exactly one, and start no execution. The workflow is deactivated after.
 */
async function activationProbe(ctx, api, round) {
	const groupId = String(PROBE_GROUP_BASE + round);
	await ctx.emulator.admin('POST', 'groups', { groupId });
	for (const fileName of ['one.txt', 'two.txt']) await shareInto(ctx, groupId)(fileName, Buffer.from(fileName));
	const dayOfMonth = ((new Date().getUTCDate() + 13) % 28) + 1;
	const created = await api.request('POST', 'workflows', {
		name: `Activation probe ${round}`,
		nodes: [
			{
				id: randomUUID(),
				name: TRIGGER,
				type: customNodeType('chatGroupTrigger'),
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMonth', dayOfMonth, hour: 12, minute: 0 }] }, event: 'newSharedFile', groupId },
				credentials: { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
		active: false,
	});
	try {
		await activate(api, created.id);
		await waitForPoll(ctx, 0, groupId);
		await sleep(PROBE_SETTLE_MS);
		const listings = await listRequests(ctx, groupId);
		const executions = await triggerExecutions(api, created.id);
		return { listings: listings.length, executions: executions.length };
	} finally {
		await deactivate(api, created.id).catch(() => undefined);
	}
}

/** The probe, once or TRIGGER_E2E_ACTIVATION_ROUNDS times, each round one check line. */
async function checkActivations(ctx, api, label) {
	const rounds = Math.max(1, Number(process.env.TRIGGER_E2E_ACTIVATION_ROUNDS ?? 1) || 1);
	let passed = 0;
	for (let round = 1; round <= rounds; round++) {
		const roundLabel = rounds > 1 ? ` (round ${round} of ${rounds})` : '';
		let ok = false;
		await ctx.check(`${label}activation: the first poll records the group (one listing) and starts no execution${roundLabel}`, async () => {
			const seen = await activationProbe(ctx, api, round);
			ctx.expectEqual(seen, { listings: 1, executions: 0 }, 'after the activation');
			ok = true;
		});
		if (ok) passed++;
	}
	if (rounds > 1) ctx.record(`${label}activation probe: ${passed} of ${rounds} rounds passed`, passed === rounds);
}

async function runOwnInstance(ctx, { durable = false } = {}) {
	const label = durable ? 'durable scheduler: ' : '';
	const check = (title, assert) => ctx.check(`${label}${title}`, assert);
	const root = fs.mkdtempSync(path.join(path.dirname(ctx.env.userFolder), durable ? 'trigger-durable-' : 'trigger-'));
	const inbox = path.join(root, 'files', 'inbox');
	fs.mkdirSync(inbox, { recursive: true });
	const env = createN8nEnv({
		version: ctx.version,
		install: ctx.install,
		userFolder: path.join(root, 'n8n'),
		customExtensions: ctx.env.vars.N8N_CUSTOM_EXTENSIONS.split(';'),
		// The durable scheduler says what it does at debug level only (scope "scheduler").
		logLevel: durable ? 'debug' : 'info',
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: path.join(root, 'files'), ...(durable ? DURABLE_SCHEDULER_VARS : {}) },
	});
	const workflow = exampleWorkflow({ groupId: ctx.groupId, inbox });
	await importCredentials(env, [ctx.credential]);
	await importWorkflow(env, workflow);

	const { groupId } = ctx;
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId });
	const shared = {};
	const share = async (fileName, content) => {
		shared[fileName] = content;
		return await shareInto(ctx, groupId)(fileName, content);
	};
	await share('already there.txt', Buffer.from('shared before the workflow was activated'));
	const newFiles = {
		'minutes.txt': Buffer.from('Minutes of Monday\n'),
		'while off.txt': Buffer.from('shared while the workflow was deactivated\n'),
		'报告 2026.pdf': Buffer.from(`%PDF-1.7 ${'x'.repeat(64 * 1024)}`),
		'photo "1".jpg': Buffer.alloc(32 * 1024, 7),
	};

	let n8n = await startN8nProcess(env, 'start', { name: 'trigger-main' });
	try {
		let api = await N8nApi.setUpWhenReady(n8n.url, env);
		if (activationOnly) return await checkActivations(ctx, api, label);
		// The editor's Fetch Test Event: the trigger alone, in manual mode, before the workflow is active
		// (n8n runs it in a context of its own whatever the scheduler: once is enough).
		if (!durable) await check('Fetch Test Event returns the newest file with its bytes, and writes nothing', async () => {
			const testRun = { triggerToStartFrom: { name: TRIGGER }, destinationNode: { nodeName: TRIGGER, mode: 'inclusive' } };
			// n8n 1.x takes the workflow along, as its editor sends it.
			if (env.major < 2) testRun.workflowData = await api.request('GET', `workflows/${workflow.id}`);
			const { executionId } = await api.request('POST', `workflows/${workflow.id}/run`, testRun);
			const execution = await api.waitForExecution(executionId);
			const [item, ...rest] = ctx.outputOf(execution.run, TRIGGER);
			ctx.expectEqual([execution.status, rest.length, item.json.file_name, item.binary?.data?.fileName], ['success', 0, 'already there.txt', 'already there.txt'], 'test event');
			ctx.expectEqual(sha256(await api.readBinary(item.binary.data)), sha256(shared['already there.txt']), 'bytes');
			ctx.expectEqual(fs.readdirSync(inbox), [], 'inbox');
		});
		await checkActivations(ctx, api, label);

		// The example, activated: its first poll (n8n 2.41 publishes an activation through its outbox, so it may
		// come a few seconds after the request) records the group and starts nothing.
		await activate(api, workflow.id);
		await waitForPoll(ctx, 0);
		await sleep(3000);
		await check('the example, activated: its first poll starts no execution', async () => {
			ctx.expectEqual((await triggerExecutions(api, workflow.id)).length, 0, 'executions');
		});

		// Between two polls: one file, then a poll must bring it.
		await share('minutes.txt', newFiles['minutes.txt']);
		await finishedExecutions(api, workflow.id, 1);

		// Deactivated, a file shared, activated again: the first poll after the re-activation brings it.
		await deactivate(api, workflow.id);
		await share('while off.txt', newFiles['while off.txt']);
		const reactivatedAt = Date.now();
		await activate(api, workflow.id);
		const afterReactivation = (await finishedExecutions(api, workflow.id, 2)).slice(1);
		await check('re-activation: the first poll after it delivers, once, what was shared while the workflow was off', async () => {
			ctx.expectEqual(afterReactivation.map((execution) => [emittedFileNames(ctx, execution), new Date(execution.startedAt).getTime() >= reactivatedAt - 1000]), [[['while off.txt'], true]], 'executions after the re-activation');
		});

		// n8n stopped, two files shared, n8n started: they come with its first poll.
		await n8n.stop();
		await share('报告 2026.pdf', newFiles['报告 2026.pdf']);
		await share('photo "1".jpg', newFiles['photo "1".jpg']);
		const restartedAt = Date.now();
		n8n = await startN8nProcess(env, 'start', { name: 'trigger-main-restarted' });
		api = await N8nApi.setUpWhenReady(n8n.url, env);
		const executions = await finishedExecutions(api, workflow.id, 3);

		// One more poll with nothing new: no execution.
		const listings = (await listRequests(ctx)).length;
		await waitForPoll(ctx, listings);
		await sleep(5000);
		const all = await finishedExecutions(api, workflow.id, 3);

		await check('every execution of the active workflow succeeded', async () => {
			for (const execution of all) ctx.expectEqual([execution.id, execution.status, execution.mode], [execution.id, 'success', 'trigger'], 'execution');
		});
		await check('executions: each new file arrived exactly once; none of those already there', async () => {
			const arrived = all.flatMap((execution) => emittedFileNames(ctx, execution));
			ctx.expectEqual(arrived.slice().sort(), Object.keys(newFiles).sort(), 'files emitted over all executions');
			ctx.expectEqual(all.length, 3, 'executions (one per poll that found files; none for the empty polls)');
		});
		await check('the files shared while n8n was stopped arrived in one execution after the restart', async () => {
			const afterRestart = executions.filter((execution) => new Date(execution.startedAt).getTime() >= restartedAt);
			ctx.expectEqual(afterRestart.flatMap((execution) => emittedFileNames(ctx, execution)).sort(), ['photo "1".jpg', '报告 2026.pdf'].sort(), 'after the restart');
		});
		await check('the inbox folder holds each new file once, byte for byte (sha256)', async () => {
			ctx.expectEqual(fs.readdirSync(inbox).sort(), Object.keys(newFiles).sort(), 'inbox');
			for (const [fileName, content] of Object.entries(newFiles)) ctx.expectEqual(sha256(fs.readFileSync(path.join(inbox, fileName))), sha256(content), fileName);
		});
		await check('the polls only listed the group (one request each), plus one download per new file', async () => {
			const requests = (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.groupId === groupId);
			const testEventDownloads = durable ? 0 : 1;
			ctx.expectEqual(requests.filter((request) => request.operation === 'downloadFile').length, Object.keys(newFiles).length + testEventDownloads, 'downloads (with the test event\'s)');
			ctx.expectEqual(requests.every((request) => ['listFiles', 'downloadFile'].includes(request.operation)), true, 'only listings and downloads');
		});
		await check(`${SAVE} wrote what the trigger emitted`, async () => {
			for (const execution of all) ctx.expectEqual(ctx.outputOf(execution.run, SAVE).length, emittedFileNames(ctx, execution).length, `execution ${execution.id}`);
		});
		if (durable) {
			await check('the polls ran as tasks of the durable scheduler (n8n\'s log)', async () => {
				const log = ['trigger-main', 'trigger-main-restarted'].map((file) => fs.readFileSync(path.join(env.userFolder, `${file}.log`), 'utf8')).join('\n');
				ctx.expectEqual([/Provisioned scheduler jobs for poll trigger node/.test(log), /Poll returned new data; handed off to a new execution/.test(log)], [true, true], 'scheduler log lines');
			});
		}
	} finally {
		await n8n.stop();
		if (!process.env.TRIGGER_E2E_KEEP) fs.rmSync(root, { recursive: true, force: true });
	}
}

/** Queue mode: the main polls and saves the state in PostgreSQL, each execution runs on one worker. */
async function runOnQueue(ctx) {
	const inbox = path.join(ctx.filesRoot, 'trigger-inbox');
	fs.rmSync(inbox, { recursive: true, force: true });
	fs.mkdirSync(inbox, { recursive: true });
	const workflow = { ...exampleWorkflow({ groupId: ctx.groupId, inbox }), id: 'agoraNewFilesQ' };
	await ctx.importWorkflow(workflow);
	const { groupId, api } = ctx;
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId });
	const share = shareInto(ctx, groupId);
	await share('already there.txt', Buffer.from('old'));
	const newFiles = { 'one.txt': Buffer.from('one\n'), 'two.bin': Buffer.alloc(20 * 1024, 9) };

	await checkActivations(ctx, api, 'queue mode: ');
	if (activationOnly) return;
	await activate(api, workflow.id);
	try {
		await waitForPoll(ctx, 0);
		await share('one.txt', newFiles['one.txt']);
		await finishedExecutions(api, workflow.id, 1);
		await share('two.bin', newFiles['two.bin']);
		const executions = await finishedExecutions(api, workflow.id, 2);
		const listings = (await listRequests(ctx)).length;
		await waitForPoll(ctx, listings);
		await sleep(5000);
		const all = await finishedExecutions(api, workflow.id, 2);

		await ctx.check('queue mode: each new file arrived exactly once, in one execution per poll that found it', async () => {
			ctx.expectEqual(all.map((execution) => [execution.status, emittedFileNames(ctx, execution)]), [['success', ['one.txt']], ['success', ['two.bin']]], 'executions');
			ctx.expectEqual(executions.length, all.length, 'no execution for the empty poll');
		});
		await ctx.check('queue mode: every execution ran on exactly one worker, none on the main', async () => {
			const output = (worker) => worker.output();
			for (const execution of all) {
				const started = new RegExp(`Worker started execution ${execution.id} \\(job `);
				const ranOn = ctx.workers.filter((worker) => started.test(output(worker))).map((worker) => worker.name);
				const ranOnMain = started.test(ctx.main.output());
				// Counted in the pass's own summary of where executions ran.
				ctx.executions?.push({ workflowId: workflow.id, executionId: execution.id, ranOn, ranOnMain });
				ctx.expectEqual([ranOn.length, ranOnMain], [1, false], `execution ${execution.id} ran on ${ranOn.join(', ') || 'no worker'}`);
			}
		});
		await ctx.check('queue mode: the inbox folder holds each new file once, byte for byte (sha256)', async () => {
			ctx.expectEqual(fs.readdirSync(inbox).sort(), Object.keys(newFiles).sort(), 'inbox');
			for (const [fileName, content] of Object.entries(newFiles)) ctx.expectEqual(sha256(fs.readFileSync(path.join(inbox, fileName))), sha256(content), fileName);
		});
	} finally {
		await deactivate(api, workflow.id).catch(() => undefined);
	}
}

/** The server-pass runs: n8n's default scheduler, plus the durable one where n8n has it (2.41+). */
function schedulersFor(ctx) {
	const [major, minor] = ctx.version.split('.').map(Number);
	const available = ctx.pass === 'server' && (major > 2 || (major === 2 && minor >= 41)) ? ['default', 'durable'] : ['default'];
	const wanted = (process.env.TRIGGER_E2E_SCHEDULERS ?? 'default,durable').split(',');
	return available.filter((scheduler) => wanted.includes(scheduler));
}

export async function run(ctx) {
	if (ctx.pass === 'queue') return await runOnQueue(ctx);
	for (const scheduler of schedulersFor(ctx)) await runOwnInstance(ctx, { durable: scheduler === 'durable' });
}
