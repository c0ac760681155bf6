// Workflows with the node as an AI tool (`CUSTOM.chatGroupTool`), as a user builds them in n8n:
// tool nodes named as the editor names them, their parameters written with $fromAI() (the README's
// expressions), an AI Agent and an OpenAI Chat Model whose credential points at the stand-in model.
// Shared by checks/agent.mjs and checks/mcp.mjs.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { customNodeType, manualTriggerNode } from './n8n-cli.mjs';
import { repoRoot } from './n8n-install.mjs';

const require = createRequire(import.meta.url);

export const TOOL_NODE_TYPE = customNodeType('chatGroupTool');
/** The node version the editor gives a new node (as an AI tool, Get Many answers with at most 10 files). */
export const TOOL_NODE_VERSION = 1.1;
export const AGENT_TYPE = '@n8n/n8n-nodes-langchain.agent';
export const OPENAI_MODEL_TYPE = '@n8n/n8n-nodes-langchain.lmChatOpenAi';
export const MODEL_CREDENTIAL = { id: 'standInModel', name: 'Stand-in model', type: 'openAiApi' };

/** The expressions the README shows, so the JSON schema a model gets is the one users get. */
export const FROM_AI = {
	groupId: "={{ $fromAI('groupId', 'The ID of the chat group, e.g. 66021836783617', 'string') }}",
	fileId: "={{ $fromAI('fileId', 'The file_id of a shared file, as Get Many returns it', 'string') }}",
	announcement: "={{ $fromAI('announcement', 'The new announcement text, at most 512 characters; it replaces the current one', 'string') }}",
};

/** The built node's description (dist/), as n8n loads it. */
export function builtNodeDescription() {
	return new (require(path.join(repoRoot, 'dist', 'nodes', 'ChatGroup', 'ChatGroup.node.js')).ChatGroup)().description;
}

/** The operation's `action`, from which n8n names a new tool node and writes its automatic tool description. */
export function actionOf(resource, operation) {
	const description = builtNodeDescription();
	const property = description.properties.find((candidate) => candidate.name === 'operation' && candidate.displayOptions?.show?.resource?.includes(resource));
	const action = property?.options?.find((option) => option.value === operation)?.action;
	if (!action) throw new Error(`no action for ${resource} ${operation}`);
	return action;
}

/** What n8n writes as the tool's description when Tool Description is Set Automatically (NodeHelpers.makeDescription). */
export function automaticToolDescription(resource, operation) {
	return `${actionOf(resource, operation)} in ${builtNodeDescription().defaults.name}`;
}

/** n8n's tool name for a node name (nodeNameToToolName; 2.x also cuts it at 64 characters). */
export function toolNameOf(nodeName) {
	return nodeName.replace(/[^a-zA-Z0-9_-]+/g, '_');
}

/** The parameters of each operation as a tool, every model-filled value through $fromAI(). */
const TOOL_PARAMETERS = {
	'announcement:get': () => ({ groupId: { __rl: true, mode: 'id', value: FROM_AI.groupId } }),
	'announcement:update': () => ({ groupId: { __rl: true, mode: 'id', value: FROM_AI.groupId }, announcement: FROM_AI.announcement }),
	'sharedFile:getAll': () => ({ groupId: { __rl: true, mode: 'id', value: FROM_AI.groupId } }),
	'sharedFile:download': () => ({ groupId: { __rl: true, mode: 'id', value: FROM_AI.groupId }, fileId: { __rl: true, mode: 'id', value: FROM_AI.fileId } }),
	'sharedFile:delete': () => ({ groupId: { __rl: true, mode: 'id', value: FROM_AI.groupId }, fileId: { __rl: true, mode: 'id', value: FROM_AI.fileId } }),
};

/** A tool node named as the editor names it: "<action> in Agora Chat Group". */
export function toolNode(ctx, resource, operation, { extraParameters = {} } = {}) {
	const name = automaticToolDescription(resource, operation);
	return {
		id: `tool-${resource}-${operation}`,
		name,
		type: TOOL_NODE_TYPE,
		typeVersion: TOOL_NODE_VERSION,
		position: [0, 0],
		parameters: { resource, operation, ...TOOL_PARAMETERS[`${resource}:${operation}`](), ...extraParameters },
		credentials: { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } },
	};
}

function maxVersion(text) {
	return Math.max(...text.split(',').map(Number).filter(Number.isFinite));
}

/** The newest versions this n8n offers of the AI Agent, the OpenAI Chat Model and the MCP Server Trigger. */
export function currentAiNodeVersions(install) {
	const nodes = path.join(install.dir, 'node_modules', '@n8n', 'n8n-nodes-langchain', 'dist', 'nodes');
	const read = (...parts) => fs.readFileSync(path.join(nodes, ...parts), 'utf8');
	const agent = Number(/defaultVersion:\s*([\d.]+)/.exec(read('agents', 'Agent', 'Agent.node.js'))[1]);
	const openAi = maxVersion(/version:\s*\[([\d.,\s]+)\]/.exec(read('llms', 'LMChatOpenAi', 'LmChatOpenAi.node.js'))[1]);
	const mcpFile = path.join(nodes, 'mcp', 'McpTrigger', 'McpTrigger.node.js');
	const mcpTrigger = fs.existsSync(mcpFile) ? maxVersion(/version:\s*\[([\d.,\s]+)\]/.exec(fs.readFileSync(mcpFile, 'utf8'))[1]) : undefined;
	return { agent, openAi, mcpTrigger };
}

export function modelCredential(model) {
	return { ...MODEL_CREDENTIAL, data: { apiKey: 'sk-stand-in-not-a-key', url: model.url } };
}

export function modelNode(versions, { name = 'OpenAI Chat Model' } = {}) {
	return {
		id: 'stand-in-model',
		name,
		type: OPENAI_MODEL_TYPE,
		typeVersion: versions.openAi,
		position: [0, 200],
		// Chat Completions (POST /v1/chat/completions), not the Responses API that 1.3 turns on by default.
		parameters: { model: { __rl: true, mode: 'id', value: 'stand-in-model' }, ...(versions.openAi >= 1.3 ? { responsesApiEnabled: false } : {}), options: {} },
		credentials: { openAiApi: { id: MODEL_CREDENTIAL.id, name: MODEL_CREDENTIAL.name } },
	};
}

/** Manual trigger → AI Agent (prompt with the scenario marker), its model, its tools. */
export function agentWorkflow({ id, scenario, prompt, tools, versions }) {
	const trigger = manualTriggerNode();
	const agent = {
		id: 'ai-agent',
		name: 'AI Agent',
		type: AGENT_TYPE,
		typeVersion: versions.agent,
		position: [220, 0],
		parameters: { promptType: 'define', text: `[scenario: ${scenario}] ${prompt}`, options: {} },
	};
	const model = modelNode(versions);
	const connections = {
		[trigger.name]: { main: [[{ node: agent.name, type: 'main', index: 0 }]] },
		[model.name]: { ai_languageModel: [[{ node: agent.name, type: 'ai_languageModel', index: 0 }]] },
	};
	for (const tool of tools) connections[tool.name] = { ai_tool: [[{ node: agent.name, type: 'ai_tool', index: 0 }]] };
	const placed = tools.map((tool, index) => ({ ...tool, position: [220 + 200 * index, 220] }));
	return { id, name: id, active: false, nodes: [trigger, agent, model, ...placed], connections, settings: { executionOrder: 'v1' }, pinData: {} };
}
