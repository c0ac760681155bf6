// The Agora Chat Group Trigger in a real n8n, as a user runs it: examples/save-new-files.json imported,
// ACTIVATED (polled every minute by n8n's own scheduler, `n8n start`), files added to the emulator between
// polls, n8n stopped and started again between two polls. Shown from n8n's execution records (REST API) and
// the inbox folder: each new file arrived exactly once, none of those already there, none lost in the restart.
//
// It runs its own n8n (own user folder and SQLite database) so that it can restart it without disturbing
// the pass's shared instance.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { createN8nEnv, customNodeType, importCredentials, importWorkflow } from '../n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../n8n-server.mjs';

const require = createRequire(import.meta.url);
const { loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'trigger';
export const passes = ['server'];

const TRIGGER = 'New shared file';
const SAVE = 'Save to the inbox folder';
/** n8n polls once a minute at a random second; a poll can also wait behind a busy machine. */
const POLL_WAIT_MS = 150_000;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function exampleWorkflow({ groupId, inbox }) {
	const workflow = prepareExample(loadExample('save-new-files'), { inboxFolder: inbox });
	const trigger = workflow.nodes.find((node) => node.name === TRIGGER);
	trigger.type = customNodeType('chatGroupTrigger');
	trigger.parameters.groupId = groupId;
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

/** The workflow's executions, oldest first, each finished, with its run data. */
async function finishedExecutions(api, workflowId, expectedCount) {
	const deadline = Date.now() + POLL_WAIT_MS;
	for (;;) {
		const list = await api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`);
		const results = list.results ?? list;
		if (results.length >= expectedCount && results.every((execution) => execution.stoppedAt)) {
			const executions = [];
			for (const summary of results) executions.push(await api.waitForExecution(summary.id));
			return executions.sort((a, b) => Number(a.id) - Number(b.id));
		}
		if (Date.now() > deadline) throw new Error(`${results.length} executions after ${POLL_WAIT_MS / 1000} s, expected ${expectedCount}`);
		await sleep(1000);
	}
}

function emittedFileNames(ctx, execution) {
	return ctx.outputOf(execution.run, TRIGGER).map((item) => item.json.file_name);
}

export async function run(ctx) {
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
		let api = await N8nApi.setUp(n8n.url, env);
		const stored = await api.request('GET', `workflows/${workflow.id}`);
		await api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
		// n8n 2.41.1 publishes an activation through its outbox: the first poll follows shortly after.
		await waitForPoll(ctx, 0);
		await ctx.check('activation: the first poll records the group (one listing) and starts no execution', async () => {
			await sleep(3000);
			ctx.expectEqual((await listRequests(ctx)).length, 1, 'listings');
			const list = await api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}`);
			ctx.expectEqual((list.results ?? list).length, 0, 'executions');
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
		api = await N8nApi.setUp(n8n.url, env);
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
		await ctx.check('each poll cost one listing; each new file one download', async () => {
			const requests = await ctx.emulator.admin('GET', 'requests');
			ctx.expectEqual(requests.filter((request) => request.operation === 'downloadFile').length, 3, 'downloads');
			ctx.expectEqual(requests.every((request) => ['listFiles', 'downloadFile'].includes(request.operation)), true, 'only listings and downloads');
		});
		await ctx.check(`${SAVE} wrote what the trigger emitted`, async () => {
			for (const execution of all) ctx.expectEqual(ctx.outputOf(execution.run, SAVE).length, emittedFileNames(ctx, execution).length, `execution ${execution.id}`);
		});
	} finally {
		await n8n.stop();
		fs.rmSync(root, { recursive: true, force: true });
	}
}
