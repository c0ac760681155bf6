// The Agora Chat Callback Trigger in a real `n8n start`: two ACTIVE workflows with the trigger, one per callback
// format (current with Download Files, legacy), each registered at the emulator as a callback rule with its
// Production URL. Changes made through the Agora Chat Group node (an upload, the announcement set and cleared, the
// file deleted) must reach each workflow once; a bad signature and an old timestamp get 401 and start nothing; a
// duplicate callId starts one execution; Download Files stores the file's bytes (sha256).
//
// server: the pass's n8n (2.41.1 defaults). queue: the pass's main receives the callbacks, a worker runs each
// execution (checked from the worker logs). cli (n8n 1.123, whose other checks use `n8n execute`): an `n8n start`
// of its own holds the triggers and runs the operations, as the editor runs them.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { activate, CALLBACK_TRIGGER as TRIGGER, callbackTriggerWorkflow, createThroughApi, finishedExecutions, productionUrl, untilListening } from '../callback-workflows.mjs';
import { createN8nEnv } from '../n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../n8n-server.mjs';

export const name = 'callbackTrigger';
export const passes = ['server', 'queue', 'cli'];

const EVENTS = ['announcementUpdated', 'announcementDeleted', 'fileShared', 'fileRemoved'];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A manual run through the REST API, as the editor's Execute Workflow button starts it (n8n 1.x takes the workflow along). */
async function executeThroughApi(api, id, major) {
	const body = { triggerToStartFrom: { name: 'When clicking Execute' } };
	if (major < 2) body.workflowData = await api.request('GET', `workflows/${id}`);
	const { executionId } = await api.request('POST', `workflows/${id}/run`, body);
	const execution = await api.waitForExecution(executionId);
	const error = execution.run.data?.resultData?.error;
	return { ok: execution.status === 'success' && !error, run: execution.run, errorMessage: error?.message ?? (execution.status === 'success' ? undefined : execution.status) };
}

/**
 * Where the workflows live and run: the pass's own n8n, or on the cli pass (n8n 1.x, whose other checks use
 * `n8n execute`) an `n8n start` of this module, where the node's operations run as the editor runs them.
 */
async function openHost(ctx, callbackCredential, workflows) {
	if (ctx.pass !== 'cli') {
		const ids = await createThroughApi(ctx.api, [callbackCredential], workflows);
		return { api: ctx.api, url: ctx.main.url, ids, execute: (id) => ctx.execute(id), close: async () => {} };
	}
	const root = fs.mkdtempSync(path.join(path.dirname(ctx.env.userFolder), 'callbacks-'));
	const env = createN8nEnv({ version: ctx.version, install: ctx.install, userFolder: path.join(root, 'n8n'), customExtensions: ctx.env.vars.N8N_CUSTOM_EXTENSIONS.split(';'), extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: ctx.filesRoot } });
	const n8n = await startN8nProcess(env, 'start', { name: 'callbacks-main' });
	const close = async () => {
		await n8n.stop();
		fs.rmSync(root, { recursive: true, force: true });
	};
	try {
		const api = await N8nApi.setUpWhenReady(n8n.url, env);
		const ids = await createThroughApi(api, [ctx.credential, callbackCredential], workflows);
		return { api, url: n8n.url, ids, execute: (id) => executeThroughApi(api, id, env.major), close };
	} catch (error) {
		await close();
		throw error;
	}
}

function emitted(ctx, execution) {
	return ctx.outputOf(execution.run, TRIGGER).map((item) => item.json);
}

export async function run(ctx) {
	const started = Date.now();
	const secret = randomBytes(16).toString('hex');
	const callbackCredential = { id: 'agoraCallbackCred', name: 'Agora Chat Callback account', type: 'agoraChatCallbackApi', data: { secret } };
	const suffix = ctx.pass.slice(0, 2);
	const { groupId } = ctx;
	const workflows = {
		current: callbackTriggerWorkflow({ name: `agoraCbCurrent${suffix}`, events: EVENTS, downloadFiles: true, callbackCredential, apiCredential: ctx.credential }),
		legacy: callbackTriggerWorkflow({ name: `agoraCbLegacy${suffix}`, events: EVENTS, callbackCredential, apiCredential: ctx.credential }),
	};
	// The changes, made through the Agora Chat Group node as a user's workflow would.
	const apiCredentials = { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } };
	const group = { __rl: true, mode: 'id', value: groupId };
	const folder = path.join(ctx.filesRoot, 'callbacks');
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	const content = randomBytes(40 * 1024);
	fs.writeFileSync(path.join(folder, 'minutes 2026.pdf'), content);
	const upload = ctx.linearWorkflow({
		id: `agoraCbUpload${suffix}`,
		nodes: [
			{ name: 'Read the file', type: 'n8n-nodes-base.readWriteFile', parameters: { fileSelector: path.join(folder, 'minutes 2026.pdf'), options: {} } },
			{ name: 'Upload', type: ctx.nodeType, parameters: { resource: 'sharedFile', operation: 'upload', groupId: group, binaryPropertyName: 'data', options: {} }, credentials: apiCredentials },
		],
	});
	// The file's ID is known only after the upload: the delete finds it by name, as a user's workflow would.
	const remove = ctx.linearWorkflow({
		id: `agoraCbDelete${suffix}`,
		nodes: [
			{ name: 'Find', type: ctx.nodeType, parameters: { resource: 'sharedFile', operation: 'getAll', groupId: group, returnAll: true, filters: { fileName: 'minutes 2026.pdf' } }, credentials: apiCredentials },
			{ name: 'Delete', type: ctx.nodeType, parameters: { resource: 'sharedFile', operation: 'delete', groupId: group, fileId: { __rl: true, mode: 'id', value: '={{ $json.file_id }}' } }, credentials: apiCredentials },
		],
	});
	const announce = ctx.linearWorkflow({
		id: `agoraCbAnnounce${suffix}`,
		nodes: [
			{ name: 'Set', type: ctx.nodeType, parameters: { resource: 'announcement', operation: 'update', groupId: group, announcement: 'Read the minutes' }, credentials: apiCredentials },
			{ name: 'Clear', type: ctx.nodeType, parameters: { resource: 'announcement', operation: 'update', groupId: group, announcement: '' }, credentials: apiCredentials },
		],
	});
	const host = await openHost(ctx, callbackCredential, { ...workflows, upload, announce, remove });
	try {
		await ctx.emulator.admin('POST', 'reset');
		await ctx.emulator.admin('POST', 'groups', { groupId, announcement: 'Welcome' });
		for (const id of [host.ids.current, host.ids.legacy]) await activate(host.api, id);
		const rules = {
			current: (await ctx.emulator.admin('POST', 'callbacks/rules', { url: productionUrl(host.url, workflows.current), secret, format: 'current' })).id,
			legacy: (await ctx.emulator.admin('POST', 'callbacks/rules', { url: productionUrl(host.url, workflows.legacy), secret, format: 'legacy', legacyReason: 'string' })).id,
		};
		const probes = [await untilListening(ctx.emulator, rules.current, ctx.groupId), await untilListening(ctx.emulator, rules.legacy, ctx.groupId)];
		await ctx.check('callbacks: a bad signature is answered 401 by the active trigger', async () => {
			ctx.expectEqual(probes.map((probe) => probe.attempts[0].status), [401, 401], 'answers');
		});
		await ctx.emulator.admin('DELETE', 'callbacks/deliveries');
		await ctx.emulator.admin('DELETE', 'requests');

		const uploaded = await host.execute(host.ids.upload);
		ctx.record('callbacks: the upload through the node ran', uploaded.ok, uploaded.errorMessage);
		const fileId = uploaded.ok ? ctx.outputOf(uploaded.run, 'Upload')[0].json.file_id : undefined;
		// The download of the current-format workflow must finish before the file is deleted.
		const afterUpload = { current: await finishedExecutions(host.api, host.ids.current, 1), legacy: await finishedExecutions(host.api, host.ids.legacy, 1) };
		const announced = await host.execute(host.ids.announce);
		ctx.record('callbacks: the announcement set and cleared through the node', announced.ok, announced.errorMessage);
		const removed = await host.execute(host.ids.remove);
		ctx.record('callbacks: the delete through the node ran', removed.ok, removed.errorMessage);
		await ctx.emulator.admin('POST', 'callbacks/idle');
		const deliveries = await ctx.emulator.admin('GET', 'callbacks/deliveries');

		// The service's quirks, through the emulator's control endpoint.
		const event = { kind: 'updateAnnouncement', groupId, operator: 'e2e', announcement: 'twice' };
		const callId = `demo-org#demo-app_${randomUUID()}`;
		const duplicate = [
			await ctx.emulator.admin('POST', 'callbacks/send', { ruleId: rules.current, event, callId }),
			await ctx.emulator.admin('POST', 'callbacks/send', { ruleId: rules.current, event, callId }),
		];
		const old = await ctx.emulator.admin('POST', 'callbacks/send', { ruleId: rules.current, event, timestamp: Date.now() - 20 * 60_000 });
		const bad = await ctx.emulator.admin('POST', 'callbacks/send', { ruleId: rules.legacy, event, security: 'f'.repeat(32) });

		const all = { current: await finishedExecutions(host.api, host.ids.current, 5), legacy: await finishedExecutions(host.api, host.ids.legacy, 4) };
		await sleep(2000);
		const settled = { current: await finishedExecutions(host.api, host.ids.current, 5), legacy: await finishedExecutions(host.api, host.ids.legacy, 4) };

		await ctx.check('callbacks: every change was delivered once per rule and answered 200 at the first attempt', async () => {
			const summary = deliveries.map((delivery) => `${delivery.ruleId} ${delivery.kind} ${delivery.attempts.map((attempt) => attempt.status).join('/')}`).sort();
			const expected = ['uploadFile', 'updateAnnouncement', 'deleteAnnouncement', 'deleteFile'].flatMap((kind) => [`${rules.current} ${kind} 200`, `${rules.legacy} ${kind} 200`]).sort();
			ctx.expectEqual(summary, expected, 'deliveries');
		});
		for (const format of ['current', 'legacy']) {
			await ctx.check(`callbacks (${format} format): upload, announcement set, cleared, delete each reached the workflow once`, async () => {
				const events = settled[format]
					.filter((execution) => !emitted(ctx, execution).some((item) => item.announcement === 'twice'))
					.map((execution) => emitted(ctx, execution).map((item) => `${item.event} ${item.announcement ?? item.file?.file_id ?? ''}`.trim()).join(', '))
					.sort();
				ctx.expectEqual(events, ['announcementDeleted', 'announcementUpdated Read the minutes', `fileRemoved ${fileId}`, `fileShared ${fileId}`].sort(), 'events');
				ctx.expectEqual(settled[format].map((execution) => [execution.status, execution.mode]), settled[format].map(() => ['success', 'webhook']), 'executions');
				ctx.expectEqual(all[format].length, settled[format].length, 'no late executions');
			});
		}
		await ctx.check('callbacks: Download Files stored the shared file\'s bytes (sha256) with its name; the legacy callback carried the name', async () => {
			const [item] = ctx.outputOf(afterUpload.current[0].run, TRIGGER);
			ctx.expectEqual([item.json.event, item.binary?.data?.fileName], ['fileShared', 'minutes 2026.pdf'], 'item');
			ctx.expectEqual(sha256(await host.api.readBinary(item.binary.data)), sha256(content), 'sha256');
			const [legacyItem] = emitted(ctx, afterUpload.legacy[0]);
			ctx.expectEqual([legacyItem.file?.file_name, legacyItem.file?.file_size], ['minutes 2026.pdf', content.length], 'legacy file');
		});
		await ctx.check('callbacks: the same callId twice starts one execution, both answered 200', async () => {
			ctx.expectEqual(duplicate.map((delivery) => delivery.attempts.map((attempt) => attempt.status)), [[200], [200]], 'answers');
			const twice = settled.current.filter((execution) => emitted(ctx, execution).some((item) => item.callId === callId));
			ctx.expectEqual(twice.length, 1, 'executions with that callId');
		});
		await ctx.check('callbacks: a bad signature and an old timestamp get 401 (retried once by the service) and start nothing', async () => {
			ctx.expectEqual([old, bad].map((delivery) => delivery.attempts.map((attempt) => attempt.status)), [[401, 401], [401, 401]], 'answers');
			ctx.expectEqual(settled.legacy.length, 4, 'legacy executions');
		});
		if (ctx.pass === 'queue') {
			await ctx.check('callbacks (queue mode): the main received them, each execution ran on exactly one worker', async () => {
				for (const execution of [...settled.current, ...settled.legacy]) {
					const startedLine = new RegExp(`Worker started execution ${execution.id} \\(job `);
					const ranOn = ctx.workers.filter((worker) => startedLine.test(worker.output())).map((worker) => worker.name);
					const ranOnMain = startedLine.test(ctx.main.output());
					ctx.executions?.push({ workflowId: execution.workflowId, executionId: execution.id, ranOn, ranOnMain });
					ctx.expectEqual([ranOn.length, ranOnMain], [1, false], `execution ${execution.id} ran on ${ranOn.join(', ') || 'no worker'}`);
				}
			});
		}
		const answerMs = deliveries.flatMap((delivery) => delivery.attempts.map((attempt) => attempt.ms)).sort((a, b) => a - b);
		console.log(`# callbackTrigger on n8n ${ctx.label}: ${((Date.now() - started) / 1000).toFixed(0)} s; n8n answered the ${answerMs.length} genuine callbacks in ${answerMs[0]}–${answerMs.at(-1)} ms`);
	} finally {
		for (const id of [host.ids.current, host.ids.legacy]) await host.api.request('POST', `workflows/${id}/deactivate`, {}).catch(() => undefined);
		await ctx.emulator.admin('DELETE', 'callbacks/rules').catch(() => undefined);
		await host.close();
	}
}
