// The Agora Chat Group Trigger in a real n8n, as a user runs it: examples/save-new-files.json imported,
// ACTIVATED (polled every minute by n8n's own scheduler, `n8n start`), files added to the emulator between
// polls, n8n stopped and started again between two polls. Shown from n8n's execution records (REST API) and
// the inbox folder: each new file arrived exactly once, none of those already there, none lost in the restart.
//
// On the server pass it runs its own n8n (own user folder and SQLite database) so that it can restart it
// without disturbing the pass's shared instance. On the queue pass it uses the pass's main and workers: the
// main polls, the workers run the executions, the state lives in PostgreSQL.
// TRIGGER_E2E_KEEP=1 keeps its n8n folder (logs, database) for a look afterwards.

import { createHash } from 'node:crypto';
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
/** Activation, the first poll (n8n 2.x publishes it with a delay of a few seconds) and the 3 s check fit before :00. */
const LATEST_ACTIVATION_SECOND = 40;

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

async function listRequests(ctx) {
	return (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'listFiles');
}

/** Waits until the emulator has seen more than `count` listing requests: a poll ran. */
async function waitForPoll(ctx, count) {
	const deadline = Date.now() + POLL_WAIT_MS;
	for (;;) {
		if ((await listRequests(ctx)).length > count) return;
		if (Date.now() > deadline) throw new Error(`no poll within ${POLL_WAIT_MS / 1000} s (${count} listings so far)`);
		await sleep(1000);
	}
}

/** Waits, if needed, until the wall clock is at most LATEST_ACTIVATION_SECOND seconds into a minute. */
async function untilEarlyInMinute() {
	const second = new Date().getSeconds() + new Date().getMilliseconds() / 1000;
	if (second > LATEST_ACTIVATION_SECOND) await sleep((61 - second) * 1000);
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

/** The owner's session. n8n 1.x answers /healthz before its REST routes are mounted: ask again for a while. */
async function signIn(n8n, env) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		try {
			return await N8nApi.setUp(n8n.url, env);
		} catch (error) {
			if (Date.now() > deadline || !/ 404 /.test(error.message)) throw error;
			await sleep(1000);
		}
	}
}

function emittedFileNames(ctx, execution) {
	return ctx.outputOf(execution.run, TRIGGER).map((item) => item.json.file_name);
}

async function runOwnInstance(ctx) {
	const root = fs.mkdtempSync(path.join(path.dirname(ctx.env.userFolder), 'trigger-'));
	const inbox = path.join(root, 'files', 'inbox');
	fs.mkdirSync(inbox, { recursive: true });
	const env = createN8nEnv({
		version: ctx.version,
		install: ctx.install,
		userFolder: path.join(root, 'n8n'),
		customExtensions: ctx.env.vars.N8N_CUSTOM_EXTENSIONS.split(';'),
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: path.join(root, 'files') },
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
		return await ctx.emulator.admin('POST', 'files', { groupId, fileName, contentBase64: content.toString('base64'), contentType: 'application/octet-stream' });
	};
	await share('already there.txt', Buffer.from('shared before the workflow was activated'));
	const newFiles = {
		'minutes.txt': Buffer.from('Minutes of Monday\n'),
		'报告 2026.pdf': Buffer.from(`%PDF-1.7 ${'x'.repeat(64 * 1024)}`),
		'photo "1".jpg': Buffer.alloc(32 * 1024, 7),
	};

	let n8n = await startN8nProcess(env, 'start', { name: 'trigger-main' });
	let restartedAt;
	try {
		let api = await signIn(n8n, env);
		// The editor's Fetch Test Event: the trigger alone, in manual mode, before the workflow is active.
		await ctx.check('Fetch Test Event returns the newest file with its bytes, and writes nothing', async () => {
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
		// The trigger also polls at the start of every minute: activate early in a minute, so that the
		// first poll's check below cannot take the next minute's poll for a second listing.
		await untilEarlyInMinute();
		await ctx.emulator.admin('DELETE', 'requests');
		const stored = await api.request('GET', `workflows/${workflow.id}`);
		await api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
		// n8n 2.41.1 publishes an activation through its outbox: the first poll follows shortly after (1.x: at once).
		await waitForPoll(ctx, 0);
		await ctx.check('activation: the first poll records the group (one listing) and starts no execution', async () => {
			await sleep(3000);
			ctx.expectEqual((await listRequests(ctx)).length, 1, 'listings');
			ctx.expectEqual((await triggerExecutions(api, workflow.id)).length, 0, 'executions');
		});

		// Between two polls: one file, then the next poll must bring it.
		await share('minutes.txt', newFiles['minutes.txt']);
		await waitForPoll(ctx, 1);
		await finishedExecutions(api, workflow.id, 1);

		// Right after that poll (the next is about a minute away): two files, then n8n stops before polling again.
		const listingsBeforeStop = (await listRequests(ctx)).length;
		await share('报告 2026.pdf', newFiles['报告 2026.pdf']);
		await share('photo "1".jpg', newFiles['photo "1".jpg']);
		await n8n.stop();
		ctx.record('n8n stopped before its next poll', (await listRequests(ctx)).length === listingsBeforeStop, `${(await listRequests(ctx)).length - listingsBeforeStop} poll(s) in between`);
		restartedAt = Date.now();
		n8n = await startN8nProcess(env, 'start', { name: 'trigger-main-restarted' });
		api = await signIn(n8n, env);
		const executions = await finishedExecutions(api, workflow.id, 2);

		// One more poll with nothing new: no execution.
		const listings = (await listRequests(ctx)).length;
		await waitForPoll(ctx, listings);
		await sleep(5000);
		const all = await finishedExecutions(api, workflow.id, 2);

		await ctx.check('every execution of the active workflow succeeded', async () => {
			for (const execution of all) ctx.expectEqual([execution.id, execution.status, execution.mode], [execution.id, 'success', 'trigger'], 'execution');
		});
		await ctx.check('executions: each new file arrived exactly once; none of those already there', async () => {
			const arrived = all.flatMap((execution) => emittedFileNames(ctx, execution));
			ctx.expectEqual(arrived.slice().sort(), Object.keys(newFiles).sort(), 'files emitted over all executions');
			ctx.expectEqual(all.length, 2, 'executions (one per poll that found files; none for the empty poll)');
		});
		await ctx.check('the files shared while n8n was stopped arrived in one execution after the restart', async () => {
			const afterRestart = executions.filter((execution) => new Date(execution.startedAt).getTime() >= restartedAt);
			ctx.expectEqual(afterRestart.flatMap((execution) => emittedFileNames(ctx, execution)).sort(), ['photo "1".jpg', '报告 2026.pdf'].sort(), 'after the restart');
		});
		await ctx.check('the inbox folder holds each new file once, byte for byte (sha256)', async () => {
			ctx.expectEqual(fs.readdirSync(inbox).sort(), Object.keys(newFiles).sort(), 'inbox');
			for (const [fileName, content] of Object.entries(newFiles)) ctx.expectEqual(sha256(fs.readFileSync(path.join(inbox, fileName))), sha256(content), fileName);
		});
		await ctx.check('the polls only listed the group (one request each), plus one download per new file', async () => {
			const requests = await ctx.emulator.admin('GET', 'requests');
			ctx.expectEqual(requests.filter((request) => request.operation === 'downloadFile').length, 3, 'downloads');
			ctx.expectEqual(requests.every((request) => ['listFiles', 'downloadFile'].includes(request.operation)), true, 'only listings and downloads');
		});
		await ctx.check(`${SAVE} wrote what the trigger emitted`, async () => {
			for (const execution of all) ctx.expectEqual(ctx.outputOf(execution.run, SAVE).length, emittedFileNames(ctx, execution).length, `execution ${execution.id}`);
		});
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
	const share = async (fileName, content) =>
		await ctx.emulator.admin('POST', 'files', { groupId, fileName, contentBase64: content.toString('base64'), contentType: 'application/octet-stream' });
	await share('already there.txt', Buffer.from('old'));
	const newFiles = { 'one.txt': Buffer.from('one\n'), 'two.bin': Buffer.alloc(20 * 1024, 9) };

	const stored = await api.request('GET', `workflows/${workflow.id}`);
	await api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
	try {
		await waitForPoll(ctx, 0);
		await share('one.txt', newFiles['one.txt']);
		await waitForPoll(ctx, 1);
		await finishedExecutions(api, workflow.id, 1);
		await share('two.bin', newFiles['two.bin']);
		await waitForPoll(ctx, (await listRequests(ctx)).length);
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
		await api.request('POST', `workflows/${workflow.id}/deactivate`, {}).catch(() => undefined);
	}
}

export async function run(ctx) {
	if (ctx.pass === 'queue') await runOnQueue(ctx);
	else await runOwnInstance(ctx);
}
