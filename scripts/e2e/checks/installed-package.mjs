// The tarball passes (`<version>:tarball`): the package `npm pack` makes, installed into a fresh
// `<N8N_USER_FOLDER>/.n8n/nodes` with `npm install <tarball>` and loaded by `n8n start` from there, as
// users install a community package (no N8N_CUSTOM_EXTENSIONS; node types `n8n-nodes-agora-chat.*`).
// What must hold there: n8n lists the nodes and the credentials with their icons, one workflow per
// operation does what it says against the emulator, the polling trigger activates, the callback trigger answers
// and starts its workflow, and the credential's
// Test button answers (n8n resolves some credential tests only for installed packages).

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { activate, CALLBACK_TRIGGER, callbackTriggerWorkflow, createThroughApi, finishedExecutions, productionUrl, untilListening } from '../callback-workflows.mjs';

export const name = 'installed-package';
export const passes = ['tarball'];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The trigger's first poll: n8n 2.41.1 publishes an activation through its outbox, a few seconds later. */
const FIRST_POLL_WAIT_MS = 60_000;
/** What package.json's n8n section lists, by the names n8n knows them. */
const NODE_NAMES = ['chatGroup', 'chatGroupTrigger', 'chatCallbackTrigger'];
const CREDENTIAL_NAMES = ['agoraChatApi', 'agoraChatCallbackApi'];

/** A GET on n8n's own (non-REST) routes, logged in, as the editor loads node types and icons. */
async function getFromEditor(ctx, route) {
	const response = await fetch(`${ctx.main.url}/${route}`, { headers: { cookie: ctx.api.cookie, 'browser-id': 'n8n-nodes-agora-chat-e2e' }, signal: AbortSignal.timeout(60_000) }).catch((error) => {
		// fetch says only "fetch failed": name the route and the cause (a reset, a refused connection).
		throw new Error(`GET /${route}: ${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}`);
	});
	if (!response.ok) throw new Error(`GET /${route}: ${response.status}`);
	return response;
}

async function checkLoaded(ctx) {
	await ctx.check(`npm install <tarball> put the package alone into .n8n/nodes (no copy of n8n-workflow beside n8n's), ${(ctx.packageInstall.ms / 1000).toFixed(1)} s`, async () => {
		ctx.expectEqual(ctx.packageInstall.installed, [ctx.packageName], 'node_modules');
		const installed = JSON.parse(fs.readFileSync(path.join(ctx.packageInstall.nodesFolder, 'node_modules', ctx.packageName, 'package.json'), 'utf8'));
		ctx.expectEqual(installed.version, ctx.packageVersion, 'installed version');
	});
	await ctx.check('n8n loaded it from .n8n/nodes: the three nodes, both credentials and their icons', async () => {
		const nodeTypes = await (await getFromEditor(ctx, 'types/nodes.json')).json();
		const credentialTypes = await (await getFromEditor(ctx, 'types/credentials.json')).json();
		const ours = nodeTypes.filter((type) => type.name.startsWith(`${ctx.packageName}.`));
		// n8n adds chatGroupTool itself: the AI tool variant of a node that is usableAsTool.
		const expected = [...NODE_NAMES, 'chatGroupTool'].map((nodeName) => ctx.nodeTypeOf(nodeName)).sort();
		ctx.expectEqual([...new Set(ours.map((type) => type.name))].sort(), expected, 'node types');
		const missing = CREDENTIAL_NAMES.filter((credentialName) => !credentialTypes.some((type) => type.name === credentialName));
		if (missing.length) throw new Error(`credential types not listed: ${missing.join(', ')}`);
		if (/CUSTOM\./.test(JSON.stringify(ours))) throw new Error('a CUSTOM.* node type: something was loaded as a custom extension');
		const icons = new Set(ours.flatMap((type) => Object.values(type.iconUrl ?? {}).concat(typeof type.iconUrl === 'string' ? [type.iconUrl] : [])));
		if (icons.size === 0) throw new Error('no iconUrl on our node types');
		for (const icon of icons) {
			const response = await getFromEditor(ctx, icon);
			const body = await response.text();
			if (!/<svg/.test(body)) throw new Error(`${icon}: not an SVG (${response.headers.get('content-type')})`);
		}
	});
	ctx.record("n8n's log names no failure to load the package", !/Error loading package|Skipping package|failed to load package/i.test(await ctx.n8nOutput()), (await ctx.n8nOutput()).match(/.*(Error loading package|Skipping package|failed to load package).*/i)?.[0]);
}

/**
 * One workflow per operation, imported together (one n8n CLI call), run in turn against one seeded group,
 * each checked against the emulator's state: Get, Get Many, Download, Upload, Delete, Update.
 */
async function checkOperations(ctx) {
	const { groupId } = ctx;
	const credentials = { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } };
	const node = (parameters) => ({ name: 'Agora', type: ctx.nodeType, parameters: { groupId, ...parameters }, credentials });
	const state = async () => (await ctx.emulator.admin('GET', 'state')).groups.find((group) => group.groupId === groupId);
	const uploadFolder = path.join(ctx.filesRoot, 'installed-package');
	fs.mkdirSync(uploadFolder, { recursive: true });
	const uploadBytes = randomBytes(48 * 1024);
	fs.writeFileSync(path.join(uploadFolder, 'report 2026.pdf'), uploadBytes);
	const seeded = { 'agenda.md': Buffer.from('# Agenda\n'), 'photo.jpg': randomBytes(20 * 1024) };

	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId, announcement: 'From the tarball' });
	const files = {};
	for (const [fileName, bytes] of Object.entries(seeded)) files[fileName] = await ctx.emulator.admin('POST', 'files', { groupId, fileName, contentBase64: bytes.toString('base64') });
	const fileNames = async () => (await state()).files.map((file) => file.fileName).sort();

	const operations = [
		{
			title: 'Announcement Get',
			nodes: [node({ resource: 'announcement', operation: 'get' })],
			assert: async (run) => ctx.expectEqual(ctx.outputOf(run, 'Agora').map((item) => item.json), [{ groupId, announcement: 'From the tarball' }], 'output'),
		},
		{
			title: 'Shared File Get Many',
			nodes: [node({ resource: 'sharedFile', operation: 'getAll', returnAll: true })],
			assert: async (run) => ctx.expectEqual(ctx.outputOf(run, 'Agora').map((item) => item.json.file_name).sort(), Object.keys(seeded).sort(), 'files'),
		},
		{
			title: 'Shared File Download',
			nodes: [node({ resource: 'sharedFile', operation: 'download', fileId: files['photo.jpg'].fileId, binaryPropertyName: 'data' })],
			assert: async (run) => {
				const [item] = ctx.outputOf(run, 'Agora');
				ctx.expectEqual([item.binary?.data?.fileName, sha256(await ctx.readBinary(item.binary.data))], ['photo.jpg', sha256(seeded['photo.jpg'])], 'downloaded file');
			},
		},
		{
			title: 'Shared File Upload',
			nodes: [
				{ name: 'Read the file', type: 'n8n-nodes-base.readWriteFile', parameters: { fileSelector: path.join(uploadFolder, 'report 2026.pdf'), options: {} } },
				node({ resource: 'sharedFile', operation: 'upload', binaryPropertyName: 'data' }),
			],
			assert: async (run) => {
				const [item] = ctx.outputOf(run, 'Agora');
				const stored = (await state()).files.find((file) => file.fileId === item.json.file_id);
				ctx.expectEqual([item.json.file_name, stored?.fileName, stored?.sha256], ['report 2026.pdf', 'report 2026.pdf', sha256(uploadBytes)], 'stored file');
			},
		},
		{
			title: 'Shared File Delete',
			nodes: [node({ resource: 'sharedFile', operation: 'delete', fileId: files['agenda.md'].fileId })],
			assert: async (run) => {
				ctx.expectEqual(ctx.outputOf(run, 'Agora').map((item) => item.json), [{ group_id: groupId, file_id: files['agenda.md'].fileId, result: true }], 'output');
				ctx.expectEqual(await fileNames(), ['photo.jpg', 'report 2026.pdf'], 'files left');
			},
		},
		{
			title: 'Announcement Update',
			nodes: [node({ resource: 'announcement', operation: 'update', announcement: 'Written by the installed package' })],
			assert: async (run) => {
				ctx.expectEqual(ctx.outputOf(run, 'Agora').map((item) => item.json), [{ groupId, result: true }], 'output');
				ctx.expectEqual((await state()).announcement, 'Written by the installed package', 'announcement');
			},
		},
	].map((operation, index) => ({ ...operation, workflow: ctx.linearWorkflow({ id: `agoraTarOp${index + 1}`, nodes: operation.nodes }) }));

	await ctx.importWorkflow([...operations.map((operation) => operation.workflow), triggerWorkflow(ctx)]);
	for (const operation of operations) {
		const result = await ctx.execute(operation.workflow.id);
		await ctx.check(`${operation.title} (${ctx.nodeType})`, async () => {
			if (!result.ok) throw new Error(`the run failed: ${result.errorMessage}`);
			await operation.assert(result.run);
		});
	}
}

/** The polling trigger watching the group (imported with the operations). */
function triggerWorkflow(ctx) {
	return {
		// n8n 1.x keeps a trigger's state only for workflow ids of at most 16 characters.
		id: 'agoraTarTrigger',
		name: 'agoraTarTrigger',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'a1b2c3d4-0000-4000-8000-000000000001',
				name: 'New shared file',
				type: ctx.nodeTypeOf('chatGroupTrigger'),
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, event: 'newSharedFile', groupId: ctx.groupId },
				credentials: { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } },
			},
			{ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'Nothing', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { 'New shared file': { main: [[{ node: 'Nothing', type: 'main', index: 0 }]] } },
	};
}

/** The polling trigger activated as the editor's toggle does: its first poll records the group and starts nothing. */
async function checkTriggerActivation(ctx) {
	const { api, groupId } = ctx;
	const workflow = triggerWorkflow(ctx);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId });
	await ctx.emulator.admin('POST', 'files', { groupId, fileName: 'already there.txt', contentBase64: Buffer.from('old').toString('base64') });
	await ctx.emulator.admin('DELETE', 'requests');
	const listings = async () => (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'listFiles').length;
	await ctx.check(`${ctx.nodeTypeOf('chatGroupTrigger')}: activation succeeds, the first poll lists the group and starts no execution`, async () => {
		const stored = await api.request('GET', `workflows/${workflow.id}`);
		await api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
		try {
			const deadline = Date.now() + FIRST_POLL_WAIT_MS;
			while ((await listings()) === 0) {
				if (Date.now() > deadline) throw new Error(`no poll within ${FIRST_POLL_WAIT_MS / 1000} s of the activation`);
				await sleep(500);
			}
			const active = await api.request('GET', `workflows/${workflow.id}`);
			if (!active.active) throw new Error('the workflow is not active');
			const executions = await api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}&limit=10`);
			ctx.expectEqual((executions.results ?? executions).length, 0, 'executions');
		} finally {
			await api.request('POST', `workflows/${workflow.id}/deactivate`, {}).catch(() => undefined);
		}
	});
}

/**
 * The Callback Trigger from the tarball, activated as the editor's toggle does and registered at the emulator as a
 * callback rule with its Production URL: a genuine callback is answered 200 and starts one execution with the event,
 * a wrong signature is answered 401 and starts nothing.
 */
async function checkCallbackTrigger(ctx) {
	const secret = randomBytes(16).toString('hex');
	const credential = { name: 'Agora Chat Callback (tarball)', type: 'agoraChatCallbackApi', data: { secret } };
	const workflow = callbackTriggerWorkflow({ name: 'agoraTarCallbacks', events: ['announcementUpdated'], callbackCredential: credential, nodeType: ctx.nodeTypeOf('chatCallbackTrigger') });
	const { trigger: workflowId } = await createThroughApi(ctx.api, [credential], { trigger: workflow });
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	await ctx.check(`${ctx.nodeTypeOf('chatCallbackTrigger')}: activation succeeds; a signed callback is answered 200 and starts one execution, a wrong signature 401 and none`, async () => {
		await activate(ctx.api, workflowId);
		try {
			const { id: ruleId } = await ctx.emulator.admin('POST', 'callbacks/rules', { url: productionUrl(ctx.main.url, workflow), secret, format: 'current' });
			const probe = await untilListening(ctx.emulator, ruleId, ctx.groupId);
			const event = { kind: 'updateAnnouncement', groupId: ctx.groupId, operator: 'tarball', announcement: 'From the installed package' };
			const genuine = await ctx.emulator.admin('POST', 'callbacks/send', { ruleId, event, retry: false });
			ctx.expectEqual([probe.attempts[0].status, genuine.attempts[0].status], [401, 200], 'answers (wrong signature, genuine)');
			const [execution, ...more] = await finishedExecutions(ctx.api, workflowId, 1);
			ctx.expectEqual(more.length, 0, 'further executions');
			const items = ctx.outputOf(execution.run, CALLBACK_TRIGGER).map((item) => [item.json.event, item.json.groupId, item.json.announcement]);
			ctx.expectEqual(items, [['announcementUpdated', ctx.groupId, 'From the installed package']], 'items');
		} finally {
			await ctx.emulator.admin('DELETE', 'callbacks/rules').catch(() => undefined);
			await ctx.api.request('POST', `workflows/${workflowId}/deactivate`, {}).catch(() => undefined);
		}
	});
}

/** The credential's Test button, through the REST call the editor makes. */
async function checkCredentialTest(ctx) {
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	const test = async (data) => await ctx.api.request('POST', 'credentials/test', { credentials: { id: ctx.credential.id, name: ctx.credential.name, type: ctx.credential.type, data } });
	await ctx.check('the credential Test button succeeds for the right credential', async () => {
		const answer = await test(ctx.credential.data);
		ctx.expectEqual([answer.status, answer.message], ['OK', 'Connection successful!'], 'answer');
	});
	await ctx.check("the credential Test button names what to fix for another project's certificate", async () => {
		const answer = await test({ ...ctx.credential.data, appCertificate: randomBytes(16).toString('hex') });
		if (answer.status !== 'Error' || !/^The service refused the token\. Check the App Token \/ App Certificate/.test(answer.message)) throw new Error(JSON.stringify(answer));
	});
}

export async function run(ctx) {
	await checkLoaded(ctx);
	await checkOperations(ctx);
	await checkTriggerActivation(ctx);
	await checkCallbackTrigger(ctx);
	await checkCredentialTest(ctx);
}
