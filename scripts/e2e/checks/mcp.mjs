// The node's tool behind n8n's MCP Server Trigger, as MCP clients (desktop assistants, IDEs, other
// agents) see it: an active workflow (MCP Server Trigger + the node's tools, parameters from $fromAI),
// and a client built on the official TypeScript SDK (@modelcontextprotocol/sdk) that connects to its
// production endpoint, lists the tools with their input schemas and calls them. Checked against the
// emulator's request log and state. On the cli pass (n8n 1.x) it starts its own `n8n start`.

import fs from 'node:fs';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { automaticToolDescription, currentAiNodeVersions, toolNameOf, toolNode } from '../agent-workflows.mjs';
import { createN8nEnv, importCredentials, importWorkflow } from '../n8n-cli.mjs';
import { N8nApi, startN8nProcess } from '../n8n-server.mjs';

export const name = 'mcp';
export const passes = ['server', 'queue', 'cli'];

const MCP_PATH = 'agora-chat-e2e';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function mcpWorkflow(ctx, mcpVersion, tools) {
	const trigger = {
		id: 'mcp-server-trigger',
		name: 'MCP Server Trigger',
		type: '@n8n/n8n-nodes-langchain.mcpTrigger',
		typeVersion: mcpVersion,
		position: [0, 0],
		webhookId: '0d7e3c9a-5b1f-4a2e-8c6d-a0a0a0a0a001',
		parameters: { path: MCP_PATH },
	};
	const connections = {};
	for (const tool of tools) connections[tool.name] = { ai_tool: [[{ node: trigger.name, type: 'ai_tool', index: 0 }]] };
	return { id: 'agoraMcpServer', name: 'agoraMcpServer', active: false, nodes: [trigger, ...tools.map((tool, index) => ({ ...tool, position: [200 * index, 220] }))], connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** The pass's own n8n where it has one (server, queue), else a new `n8n start` of this n8n (cli pass). */
async function serverFor(ctx) {
	if (ctx.api) return { url: ctx.main.url, api: ctx.api, env: ctx.env, importWorkflow: (workflow) => ctx.importWorkflow(workflow), stop: async () => {} };
	const root = fs.mkdtempSync(path.join(path.dirname(ctx.env.userFolder), 'mcp-'));
	const env = createN8nEnv({ version: ctx.version, install: ctx.install, userFolder: path.join(root, 'n8n'), customExtensions: ctx.env.vars.N8N_CUSTOM_EXTENSIONS.split(';') });
	await importCredentials(env, [ctx.credential]);
	const n8n = await startN8nProcess(env, 'start', { name: 'mcp-main' });
	try {
		// n8n 1.x answers /healthz before its REST routes are mounted.
		const deadline = Date.now() + 60_000;
		let api;
		while (!api) {
			api = await N8nApi.setUp(n8n.url, env).catch(async (error) => {
				if (Date.now() > deadline || !/ 404 /.test(error.message)) throw error;
				await sleep(1000);
				return undefined;
			});
		}
		return { url: n8n.url, api, env, importWorkflow: (workflow) => importWorkflow(env, workflow), stop: () => n8n.stop() };
	} catch (error) {
		await n8n.stop();
		throw error;
	}
}

/** Connects once the activated workflow's endpoint is registered (n8n 2.41.1 registers it shortly after answering). */
async function connect(url, mcpVersion) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const client = new Client({ name: 'n8n-nodes-agora-chat-e2e', version: '1.0.0' });
		const transport = mcpVersion >= 2 ? new StreamableHTTPClientTransport(new URL(`${url}/mcp/${MCP_PATH}`)) : new SSEClientTransport(new URL(`${url}/mcp/${MCP_PATH}/sse`));
		try {
			await client.connect(transport);
			return client;
		} catch (error) {
			await client.close().catch(() => undefined);
			if (Date.now() > deadline) throw error;
			await sleep(1000);
		}
	}
}

function resultText(result) {
	return (result.content ?? []).filter((part) => part.type === 'text').map((part) => part.text).join('');
}

/**
 * Queue mode: each tool call is an execution of the MCP workflow that a worker runs (it invokes the tool);
 * the worker logs name it, the main's never does. They join the pass's own count of executions.
 */
async function checkRanOnWorkers(ctx, server, workflow) {
	await ctx.check('mcp, queue mode: every tool call ran as an execution on one worker, none on the main', async () => {
		const list = await server.api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: workflow.id }))}&limit=100`);
		const ids = (list.results ?? list).map((execution) => String(execution.id));
		if (ids.length < 3) throw new Error(`${ids.length} executions of the MCP workflow for 3 tool calls`);
		const astray = [];
		for (const executionId of ids) {
			const started = new RegExp(`Worker started execution ${executionId} \\(job `);
			const ranOn = ctx.workers.filter((worker) => started.test(worker.output())).map((worker) => worker.name);
			const ranOnMain = started.test(ctx.main.output());
			ctx.executions.push({ workflowId: workflow.id, executionId, ranOn, ranOnMain });
			if (ranOn.length !== 1 || ranOnMain) astray.push(`execution ${executionId} ran on ${[...ranOn, ...(ranOnMain ? ['the main'] : [])].join(' and ') || 'no worker'}`);
		}
		if (astray.length) throw new Error(astray.join('; '));
	});
}

export async function run(ctx) {
	const versions = currentAiNodeVersions(ctx.install);
	if (!versions.mcpTrigger) {
		ctx.record(`mcp: n8n ${ctx.version} has no MCP Server Trigger`, true);
		return;
	}
	const started = Date.now();
	const transportName = versions.mcpTrigger >= 2 ? 'Streamable HTTP' : 'SSE';
	console.log(`# mcp: n8n ${ctx.version}: MCP Server Trigger ${versions.mcpTrigger} (${transportName}), client @modelcontextprotocol/sdk ${JSON.parse(fs.readFileSync(new URL('../../../node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url), 'utf8')).version}`);
	const update = toolNode(ctx, 'announcement', 'update');
	const getMany = toolNode(ctx, 'sharedFile', 'getAll');
	const workflow = mcpWorkflow(ctx, versions.mcpTrigger, [update, getMany]);
	const server = await serverFor(ctx);
	let client;
	try {
		await server.importWorkflow(workflow);
		await ctx.emulator.admin('POST', 'reset');
		await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId, announcement: 'Before MCP' });
		for (const fileName of ['agenda.md', 'minutes.txt']) {
			await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName, contentBase64: Buffer.from(fileName).toString('base64'), contentType: 'text/plain' });
		}
		const stored = await server.api.request('GET', `workflows/${workflow.id}`);
		await server.api.request('POST', `workflows/${workflow.id}/activate`, { versionId: stored.versionId });
		client = await connect(server.url, versions.mcpTrigger);
		const requestsBefore = (await ctx.emulator.admin('GET', 'requests')).length;
		const sentSince = async () => (await ctx.emulator.admin('GET', 'requests')).slice(requestsBefore).map((request) => `${request.operation} ${request.groupId} ${request.status}`);

		const { tools } = await client.listTools();
		await ctx.check(`mcp: an MCP client (${transportName}) lists both tools with their automatic descriptions and input schemas`, () => {
			const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
			for (const [node, resource, operation, keys] of [[update, 'announcement', 'update', ['announcement', 'groupId']], [getMany, 'sharedFile', 'getAll', ['groupId']]]) {
				const tool = byName[toolNameOf(node.name)];
				if (!tool) throw new Error(`no tool ${toolNameOf(node.name)} among ${Object.keys(byName).join(', ')}`);
				ctx.expectEqual([tool.description, Object.keys(tool.inputSchema?.properties ?? {}).sort(), [...(tool.inputSchema?.required ?? [])].sort()], [automaticToolDescription(resource, operation), keys, keys], tool.name);
			}
		});

		const text = 'Set by an MCP client';
		const updated = await client.callTool({ name: toolNameOf(update.name), arguments: { groupId: ctx.groupId, announcement: text } });
		await ctx.check('mcp: calling the update tool changes the announcement with one request, and answers { groupId, result: true }', async () => {
			ctx.expectEqual([updated.isError ?? false, JSON.parse(resultText(updated))], [false, [{ groupId: ctx.groupId, result: true }]], 'result');
			ctx.expectEqual(await sentSince(), [`updateAnnouncement ${ctx.groupId} 200`], 'requests');
			ctx.expectEqual((await ctx.emulator.admin('GET', 'state')).groups.find((group) => group.groupId === ctx.groupId).announcement, text, 'announcement');
		});

		const listed = await client.callTool({ name: toolNameOf(getMany.name), arguments: { groupId: ctx.groupId } });
		await ctx.check("mcp: calling the file list tool answers the group's files (one page of at most 10)", async () => {
			const files = JSON.parse(resultText(listed));
			ctx.expectEqual(files.map((file) => file.file_name).sort(), ['agenda.md', 'minutes.txt'], 'files');
			ctx.expectEqual((await sentSince()).slice(1), [`listFiles ${ctx.groupId} 200`], 'requests after the update');
		});

		const refused = await client.callTool({ name: toolNameOf(update.name), arguments: { groupId: ctx.groupId, announcement: 'x'.repeat(600) } });
		await ctx.check('mcp: 600 characters come back as a tool error (isError) saying what to do, and nothing is sent', async () => {
			const message = resultText(refused);
			if (refused.isError !== true || !/600 characters long; Agora Chat accepts at most 512/.test(message) || !/Shorten the text/.test(message)) {
				throw new Error(`isError ${refused.isError}, "${message}"`);
			}
			ctx.expectEqual((await sentSince()).length, 2, 'requests (the update and the list before it)');
		});
		if (ctx.pass === 'queue') await checkRanOnWorkers(ctx, server, workflow);
	} finally {
		await client?.close().catch(() => undefined);
		await server.api.request('POST', `workflows/${workflow.id}/deactivate`, {}).catch(() => undefined);
		await server.stop();
		console.log(`# mcp: ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}
}
