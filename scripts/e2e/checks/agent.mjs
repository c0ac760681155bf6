// The node as an AI Agent's tool, in a real n8n: the AI Agent node (the newest version this n8n
// offers) with an OpenAI Chat Model whose credential's Base URL points at the stand-in model
// (../stand-in-model.mjs), and the node's tool variant with its parameters written with $fromAI().
// The stand-in calls the tools a scenario scripts, built from the tools and parameters n8n sends it,
// then answers with a text holding the tools' answers. Each scenario is checked against the
// emulator's request log and state and against what the model was sent; a failed check prints the
// stand-in's record of the scenario.
// The example examples/agent-announcement.json runs too: through its chat (streamed, activated) on the
// server and queue passes, with a manual trigger in its place on the cli pass.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

import { startStandInModel } from '../stand-in-model.mjs';
import { agentWorkflow, automaticToolDescription, currentAiNodeVersions, modelCredential, MODEL_CREDENTIAL, TOOL_NODE_TYPE, toolNameOf, toolNode } from '../agent-workflows.mjs';

const require = createRequire(import.meta.url);
const { loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'agent';
export const passes = ['server', 'queue', 'cli'];

const UNKNOWN_GROUP = '999000999';
const MAX_TOOL_NAME_LENGTH = 64;

/** `[{ json }]` as the tool's answer, parsed from what the model was sent (a tool message's content). */
function toolAnswers(model, scenario) {
	const last = model.requests(scenario).at(-1);
	return (last?.messages ?? []).filter((message) => message.role === 'tool').map((message) => {
		try {
			return JSON.parse(message.content);
		} catch {
			return message.content;
		}
	});
}

function toolOfFirstRequest(model, scenario, toolName) {
	const tool = model.requests(scenario)[0]?.tools.find((candidate) => candidate.name === toolName);
	if (!tool) throw new Error(`the model was not offered the tool ${toolName}`);
	return tool;
}

/** The scenario's group, alone in the emulator. */
async function freshGroup(ctx, group = {}) {
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId, ...group });
}

/** A check whose failure also prints the stand-in model's record of the scenario (once per scenario). */
function checker(ctx, model, scenario) {
	let printed = false;
	return async (name, assert) => {
		let failed = false;
		await ctx.check(name, async () => {
			await Promise.resolve()
				.then(assert)
				.catch((error) => {
					failed = true;
					throw error;
				});
		});
		if (failed && !printed) console.log(`# stand-in model's record of scenario "${scenario}":\n${model.describe(scenario).replace(/^/gm, '#   ')}`);
		printed ||= failed;
	};
}

async function requestsSince(ctx, count) {
	return (await ctx.emulator.admin('GET', 'requests')).slice(count);
}

async function groupState(ctx, groupId) {
	return (await ctx.emulator.admin('GET', 'state')).groups.find((group) => group.groupId === groupId);
}

function agentOutput(ctx, run) {
	return String(ctx.outputOf(run, 'AI Agent')[0]?.json?.output ?? '');
}

/** Runs a scenario's workflow; the run and the emulator requests it caused. */
async function runScenario(ctx, model, { id, scenario, prompt, tools, script, versions }) {
	model.script(scenario, script);
	const workflow = agentWorkflow({ id, scenario, prompt, tools, versions });
	await ctx.importWorkflow(workflow);
	const before = (await ctx.emulator.admin('GET', 'requests')).length;
	const result = await ctx.execute(workflow.id);
	return { result, sent: await requestsSince(ctx, before) };
}

async function updateScenario(ctx, model, versions) {
	const scenario = 'update';
	const check = checker(ctx, model, scenario);
	const tool = toolNode(ctx, 'announcement', 'update');
	const text = 'Stand-up moves to 10:00 from Monday';
	await freshGroup(ctx, { announcement: 'Stand-up at 9:30' });
	const { result, sent } = await runScenario(ctx, model, {
		id: 'agoraAgentUpdate',
		scenario,
		prompt: `Set the announcement of group ${ctx.groupId} to: ${text}`,
		tools: [tool],
		script: { calls: [{ tool: toolNameOf(tool.name), args: { groupId: ctx.groupId, announcement: text } }], final: (results) => `Updated. The tool answered ${JSON.stringify(results[0])}` },
		versions,
	});
	await check('agent, update: the run succeeded', () => {
		if (!result.ok) throw new Error(result.errorMessage);
	});
	await check('agent, update: the model was offered the tool by its automatic name and description, groupId and announcement from $fromAI', () => {
		const offered = toolOfFirstRequest(model, scenario, toolNameOf(tool.name));
		ctx.expectEqual(offered.description, automaticToolDescription('announcement', 'update'), 'description');
		if (offered.name.length > MAX_TOOL_NAME_LENGTH) throw new Error(`tool name ${offered.name} is ${offered.name.length} characters: OpenAI accepts at most ${MAX_TOOL_NAME_LENGTH}`);
		ctx.expectEqual(Object.keys(offered.parameters.properties).sort(), ['announcement', 'groupId'], 'parameters');
		ctx.expectEqual([offered.parameters.properties.groupId.type, offered.parameters.properties.announcement.type], ['string', 'string'], 'types');
		if (!/at most 512 characters/.test(offered.parameters.properties.announcement.description)) throw new Error(`announcement described as "${offered.parameters.properties.announcement.description}"`);
	});
	await check('agent, update: the announcement changed, with one request', async () => {
		ctx.expectEqual(sent.map((request) => `${request.operation} ${request.groupId} ${request.status}`), [`updateAnnouncement ${ctx.groupId} 200`], 'requests');
		ctx.expectEqual((await groupState(ctx, ctx.groupId)).announcement, text, 'announcement');
	});
	await check("agent, update: the model got the tool's answer, the agent's text holds it", () => {
		ctx.expectEqual(toolAnswers(model, scenario), [[{ groupId: ctx.groupId, result: true }]], 'tool answer');
		if (!agentOutput(ctx, result.run).includes('"result":true')) throw new Error(`agent output: ${agentOutput(ctx, result.run)}`);
	});
}

async function readScenario(ctx, model, versions) {
	const scenario = 'read';
	const check = checker(ctx, model, scenario);
	const getAnnouncement = toolNode(ctx, 'announcement', 'get');
	const getMany = toolNode(ctx, 'sharedFile', 'getAll');
	await freshGroup(ctx, { announcement: 'Release on Friday' });
	const now = Date.now();
	const names = Array.from({ length: 12 }, (_, index) => `notes-${String(index + 1).padStart(2, '0')}.txt`);
	for (const [index, fileName] of names.entries()) {
		await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName, contentBase64: Buffer.from(fileName).toString('base64'), contentType: 'text/plain', created: now - (names.length - index) * 60_000 });
	}
	const newestTen = names.slice(-10).reverse();
	const { result, sent } = await runScenario(ctx, model, {
		id: 'agoraAgentRead',
		scenario,
		prompt: `What does group ${ctx.groupId} announce, and which files does it share?`,
		tools: [getAnnouncement, getMany],
		script: {
			calls: [
				{ tool: toolNameOf(getAnnouncement.name), args: { groupId: ctx.groupId } },
				{ tool: toolNameOf(getMany.name), args: { groupId: ctx.groupId } },
			],
			final: ([announcement, files]) => `The announcement is "${announcement[0].announcement}". Files: ${files.map((file) => file.file_name).join(', ')}`,
		},
		versions,
	});
	await check('agent, read: the run succeeded', () => {
		if (!result.ok) throw new Error(result.errorMessage);
	});
	await check('agent, read: both tools offered with their automatic descriptions and only groupId to fill', () => {
		for (const [node, resource, operation] of [[getAnnouncement, 'announcement', 'get'], [getMany, 'sharedFile', 'getAll']]) {
			const offered = toolOfFirstRequest(model, scenario, toolNameOf(node.name));
			ctx.expectEqual([offered.description, Object.keys(offered.parameters.properties)], [automaticToolDescription(resource, operation), ['groupId']], node.name);
		}
	});
	await check('agent, read: Get announcement answered { groupId, announcement }', () => ctx.expectEqual(toolAnswers(model, scenario)[0], [{ groupId: ctx.groupId, announcement: 'Release on Friday' }], 'tool answer'));
	await check("agent, read: Get Many as a tool answered the 10 newest of 12 files (the tool's default Limit), the five fields of each", () => {
		const files = toolAnswers(model, scenario)[1];
		ctx.expectEqual(files.map((file) => file.file_name), newestTen, 'files');
		for (const file of files) ctx.expectEqual(Object.keys(file).sort(), ['created', 'file_id', 'file_name', 'file_owner', 'file_size'], file.file_name);
	});
	await check('agent, read: one announcement read and one page of 10 files, nothing else', () =>
		ctx.expectEqual(sent.map((request) => `${request.operation}${request.query?.pagesize ? ` pagesize=${request.query.pagesize}` : ''}`), ['getAnnouncement', 'listFiles pagesize=10'], 'requests'));
	await check("agent, read: the agent's answer names the announcement and the files", () => {
		const output = agentOutput(ctx, result.run);
		for (const expected of ['Release on Friday', ...newestTen]) if (!output.includes(expected)) throw new Error(`"${expected}" is not in the agent's answer: ${output}`);
	});
}

async function downloadDeleteScenario(ctx, model, versions) {
	const scenario = 'download-delete';
	const check = checker(ctx, model, scenario);
	const getMany = toolNode(ctx, 'sharedFile', 'getAll');
	const download = toolNode(ctx, 'sharedFile', 'download');
	const remove = toolNode(ctx, 'sharedFile', 'delete');
	const secret = `bytes-the-model-never-sees-${randomBytes(6).toString('hex')}`;
	await freshGroup(ctx);
	await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName: 'keep.md', contentBase64: Buffer.from('# keep').toString('base64'), contentType: 'text/markdown', created: Date.now() - 120_000 });
	await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName: 'old-report.txt', contentBase64: Buffer.from(secret).toString('base64'), contentType: 'text/plain', created: Date.now() - 60_000 });
	const target = (results) => results[0].find((file) => file.file_name === 'old-report.txt').file_id;
	const { result, sent } = await runScenario(ctx, model, {
		id: 'agoraAgentFiles',
		scenario,
		prompt: `In group ${ctx.groupId}, check old-report.txt, then delete it.`,
		tools: [getMany, download, remove],
		script: {
			calls: [
				{ tool: toolNameOf(getMany.name), args: { groupId: ctx.groupId } },
				{ tool: toolNameOf(download.name), args: (results) => ({ groupId: ctx.groupId, fileId: target(results) }) },
				{ tool: toolNameOf(remove.name), args: (results) => ({ groupId: ctx.groupId, fileId: target(results) }) },
			],
		},
		versions,
	});
	const fileId = () => target(toolAnswers(model, scenario));
	await check('agent, download and delete: the run succeeded', () => {
		if (!result.ok) throw new Error(result.errorMessage);
	});
	await check('agent, download: the model got the name, size, type and IDs, and none of the bytes', () => {
		ctx.expectEqual(toolAnswers(model, scenario)[1], [{ groupId: ctx.groupId, fileId: fileId(), fileName: 'old-report.txt', mimeType: 'text/plain', fileSize: secret.length }], 'tool answer');
		const everything = JSON.stringify(model.requests(scenario));
		for (const form of [secret, Buffer.from(secret).toString('base64')]) if (everything.includes(form)) throw new Error('the file content reached the model');
	});
	await check('agent, delete: the file is gone, the other stays; the model got { group_id, file_id, result: true }', async () => {
		ctx.expectEqual(toolAnswers(model, scenario)[2], [{ group_id: ctx.groupId, file_id: fileId(), result: true }], 'tool answer');
		ctx.expectEqual((await groupState(ctx, ctx.groupId)).files.map((file) => file.fileName), ['keep.md'], 'files left');
	});
	await check('agent, download and delete: one download and one delete, of that file', () => {
		ctx.expectEqual(sent.filter((request) => request.operation !== 'listFiles').map((request) => `${request.operation} ${request.fileId}`), [`downloadFile ${fileId()}`, `deleteFile ${fileId()}`], 'requests');
	});
}

async function badArgumentsScenario(ctx, model, versions) {
	const scenario = 'bad-arguments';
	const check = checker(ctx, model, scenario);
	const update = toolNode(ctx, 'announcement', 'update');
	const download = toolNode(ctx, 'sharedFile', 'download');
	await freshGroup(ctx, { announcement: 'Unchanged' });
	await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName: 'a.txt', contentBase64: Buffer.from('a').toString('base64'), contentType: 'text/plain' });
	const calls = [
		['empty group ID', update, { groupId: '', announcement: 'Hello' }, /Group ID is empty/],
		// Refused before sending, with the field named (issue 17's check), not a "not found" from the service.
		['group ID ..', update, { groupId: '..', announcement: 'Hello' }, /^(?!.*(not found|does not exist)).*Group\b.*\.\./s],
		['file ID ..', download, { groupId: ctx.groupId, fileId: '..' }, /^(?!.*(not found|does not exist)).*File\b.*\.\./s],
		['unknown group', update, { groupId: UNKNOWN_GROUP, announcement: 'Hello' }, new RegExp(`${UNKNOWN_GROUP}.*does not exist`)],
		['600 characters of announcement', update, { groupId: ctx.groupId, announcement: 'x'.repeat(600) }, /600 characters long; Agora Chat accepts at most 512/],
	];
	const { result, sent } = await runScenario(ctx, model, {
		id: 'agoraAgentBadArgs',
		scenario,
		prompt: `Try some changes to group ${ctx.groupId}.`,
		tools: [update, download],
		script: { calls: calls.map(([, tool, args]) => ({ tool: toolNameOf(tool.name), args })), final: (results) => `Nothing worked: ${JSON.stringify(results)}` },
		versions,
	});
	await check('agent, bad arguments: the run succeeded (no crashed execution), the agent answered', () => {
		if (!result.ok) throw new Error(result.errorMessage);
		if (!agentOutput(ctx, result.run).startsWith('Nothing worked')) throw new Error(`agent output: ${agentOutput(ctx, result.run)}`);
	});
	const answers = () => toolAnswers(model, scenario);
	for (const [index, [label, , , expected]] of calls.entries()) {
		await check(`agent, bad arguments: ${label} comes back to the model as a tool error it can act on`, () => {
			const answer = answers()[index];
			const text = Array.isArray(answer) ? answer[0]?.error : undefined;
			if (typeof text !== 'string' || !expected.test(text)) throw new Error(`the model got ${JSON.stringify(answer)}, expected an error matching ${expected}`);
			// What to do, not only what went wrong (the error's description reaches the model too).
			if (text.length < 40) throw new Error(`"${text}" says what went wrong, not what to do`);
		});
	}
	await check('agent, bad arguments: only the unknown group was asked (it takes the service to know); nothing else was sent', async () => {
		ctx.expectEqual(sent.map((request) => `${request.operation} ${request.groupId} ${request.status}`), [`updateAnnouncement ${UNKNOWN_GROUP} 404`], 'requests');
		ctx.expectEqual((await groupState(ctx, ctx.groupId)).announcement, 'Unchanged', 'announcement');
	});
}

/** A message to an active chat trigger; n8n 2.41.1 registers an activated workflow's webhooks shortly after it answers. */
async function sendChatMessage(ctx, webhookId, message) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const response = await fetch(`${ctx.main.url}/webhook/${webhookId}/chat`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(message),
			signal: AbortSignal.timeout(120_000),
		});
		const body = await response.text();
		if (response.status !== 404 || Date.now() > deadline) return { response, body };
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

/** The example, as a user runs it: its chat trigger answers a chat message, streamed from the model. */
async function exampleScenario(ctx, model, versions) {
	const scenario = 'example';
	const check = checker(ctx, model, scenario);
	const text = 'Office closed on Friday';
	model.script(scenario, {
		calls: [
			{ tool: /^Get_a_group_s_announcement/, args: { groupId: ctx.groupId } },
			{ tool: /^Overwrite_a_group_s_announcement/, args: { groupId: ctx.groupId, announcement: text } },
		],
		final: ([before, after]) => `Done: the announcement was "${before[0].announcement}", now ${JSON.stringify(after[0])}.`,
	});
	const workflow = prepareExample(loadExample('agent-announcement'), { groupId: ctx.groupId }, ctx.nodeType);
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-agora-chat.chatGroupTool') node.type = TOOL_NODE_TYPE;
		if (node.type.endsWith('.lmChatOpenAi')) node.credentials = { openAiApi: { id: MODEL_CREDENTIAL.id, name: MODEL_CREDENTIAL.name } };
		if (node.type.endsWith('.chatGroupTool')) node.credentials = { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } };
	}
	await freshGroup(ctx, { announcement: 'Welcome' });
	const message = `[scenario: ${scenario}] Please announce: ${text}`;
	const twice = [];
	if (ctx.pass === 'cli') {
		// n8n execute starts from a manual trigger: the chat message becomes its output.
		const chat = workflow.nodes.find((node) => node.type.endsWith('.chatTrigger'));
		Object.assign(chat, { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} });
		delete chat.webhookId;
		const settings = workflow.nodes.find((node) => node.name === 'Settings');
		settings.parameters.assignments.assignments.push({ id: 'chat', name: 'chatInput', type: 'string', value: message });
		await ctx.importWorkflow(workflow);
		for (let round = 0; round < 2; round++) {
			const result = await ctx.execute(workflow.id);
			twice.push({ ok: result.ok, detail: result.errorMessage, answer: result.ok ? agentOutput(ctx, result.run) : '' });
		}
	} else {
		await ctx.importWorkflow(workflow);
		const stored = await ctx.api.request('GET', `workflows/${workflow.id}`);
		await ctx.api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
		const webhookId = workflow.nodes.find((node) => node.type.endsWith('.chatTrigger')).webhookId;
		for (let round = 0; round < 2; round++) {
			const { response, body } = await sendChatMessage(ctx, webhookId, { action: 'sendMessage', sessionId: `e2e-${round}`, chatInput: message });
			// Streamed: one JSON object per line, the text in the `item` chunks.
			const answer = body.split('\n').filter(Boolean).map((line) => {
				try {
					return JSON.parse(line);
				} catch {
					return {};
				}
			}).filter((chunk) => chunk.type === 'item').map((chunk) => chunk.content).join('');
			twice.push({ ok: response.ok, detail: `${response.status} ${body.slice(0, 500)}`, answer });
		}
		await ctx.api.request('POST', `workflows/${workflow.id}/deactivate`, {}).catch(() => undefined);
	}
	await check(`agent, example: the chat answered twice${ctx.pass === 'cli' ? '' : ', streamed'} with the tools' answers`, () => {
		for (const [round, outcome] of twice.entries()) {
			if (!outcome.ok) throw new Error(`round ${round + 1}: ${outcome.detail}`);
			if (!outcome.answer.includes(`"groupId":"${ctx.groupId}"`)) throw new Error(`round ${round + 1} answered: ${outcome.answer || outcome.detail}`);
		}
		if (!twice[0].answer.includes('was "Welcome"') || !twice[1].answer.includes(`was "${text}"`)) throw new Error(`answers: ${twice.map((outcome) => outcome.answer).join(' / ')}`);
	});
	await check(`agent, example: the model was sent ${ctx.pass === 'cli' ? 'plain' : 'streaming (stream: true)'} requests, with the example's $fromAI parameters`, () => {
		const requests = model.requests(scenario);
		const streamed = requests.map((request) => request.stream);
		if (!requests.length || streamed.some((value) => value !== (ctx.pass !== 'cli'))) throw new Error(`stream flags: ${JSON.stringify(streamed)}`);
		const update = requests[0].tools.find((tool) => /^Overwrite_a_group_s_announcement/.test(tool.name));
		ctx.expectEqual(Object.keys(update?.parameters?.properties ?? {}).sort(), ['announcement', 'groupId'], 'Update parameters');
	});
	await check('agent, example: the second run wrote nothing (Only If Changed): the text was already there', async () => {
		const writes = (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'updateAnnouncement');
		ctx.expectEqual(writes.length, 1, 'announcement writes');
		ctx.expectEqual((await groupState(ctx, ctx.groupId)).announcement, text, 'announcement');
		ctx.expectEqual(toolAnswers(model, scenario)[1], [{ groupId: ctx.groupId, result: true, changed: false }], "the second run's Update answer");
	});
}

export async function run(ctx) {
	const versions = currentAiNodeVersions(ctx.install);
	console.log(`# agent: n8n ${ctx.version}: AI Agent ${versions.agent}, OpenAI Chat Model ${versions.openAi} (Chat Completions), tool node ${TOOL_NODE_TYPE} 1.1`);
	const started = Date.now();
	const model = await startStandInModel();
	try {
		await ctx.importCredentials([modelCredential(model)]);
		const timings = [];
		for (const scenario of [updateScenario, readScenario, downloadDeleteScenario, badArgumentsScenario, exampleScenario]) {
			const scenarioStarted = Date.now();
			await scenario(ctx, model, versions);
			timings.push(`${scenario.name.replace(/Scenario$/, '')} ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s`);
		}
		console.log(`# agent: ${timings.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
		const unmatched = model.all().filter((entry) => !entry.scenario);
		ctx.record('agent: every request the stand-in model got belonged to a scripted scenario', unmatched.length === 0, unmatched.map((entry) => JSON.stringify(entry.answer)).join('\n'));
	} finally {
		await model.stop();
	}
}

