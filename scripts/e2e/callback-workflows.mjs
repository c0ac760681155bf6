// The Agora Chat Callback Trigger in a running n8n, made as a user makes it in the editor (REST API): its workflow,
// the credentials, activation. Used by the e2e check (checks/callbackTrigger.mjs) and the benchmark (P6).

import { randomUUID } from 'node:crypto';

import { customNodeType } from './n8n-cli.mjs';

export const CALLBACK_TRIGGER = 'Agora Chat Callback Trigger';

/** A workflow whose only node is the trigger; Download Files brings the Agora Chat API credential along. */
export function callbackTriggerWorkflow({ name, events, downloadFiles = false, callbackCredential, apiCredential, nodeType = customNodeType('chatCallbackTrigger') }) {
	const webhookId = randomUUID();
	return {
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {},
		nodes: [
			{
				id: randomUUID(),
				name: CALLBACK_TRIGGER,
				type: nodeType,
				typeVersion: 1.1,
				position: [0, 0],
				webhookId,
				parameters: { events, options: downloadFiles ? { downloadFiles: true } : {} },
				credentials: {
					agoraChatCallbackApi: { id: callbackCredential.id, name: callbackCredential.name },
					...(downloadFiles ? { agoraChatApi: { id: apiCredential.id, name: apiCredential.name } } : {}),
				},
			},
		],
	};
}

/** The Production URL n8n gives the trigger of `workflow`. */
export function productionUrl(baseUrl, workflow) {
	return `${baseUrl}/webhook/${workflow.nodes[0].webhookId}/webhook`;
}

/**
 * Credentials and workflows created through the REST API, as the editor creates them (far quicker than CLI imports);
 * node credentials of a type created here are pointed at the new credential. Resolves with the workflows' ids by key.
 */
export async function createThroughApi(api, credentials, workflows) {
	const createdByType = {};
	for (const credential of credentials) {
		const created = await api.request('POST', 'credentials', { name: credential.name, type: credential.type, data: credential.data });
		createdByType[credential.type] = { id: created.id, name: credential.name };
	}
	const ids = {};
	for (const [key, workflow] of Object.entries(workflows)) {
		const nodes = workflow.nodes.map((node) => ({
			...node,
			credentials: Object.fromEntries(Object.entries(node.credentials ?? {}).map(([type, reference]) => [type, createdByType[type] ?? reference])),
		}));
		const { id: _id, ...rest } = workflow;
		// n8n 1.x refuses a workflow without `active`.
		ids[key] = (await api.request('POST', 'workflows', { ...rest, active: false, nodes })).id;
	}
	return ids;
}

/** Activates a workflow as the editor's toggle does. */
export async function activate(api, workflowId) {
	const stored = await api.request('GET', `workflows/${workflowId}`);
	await api.request('POST', `workflows/${workflowId}/activate`, { versionId: stored.versionId });
}

const WAIT_MS = 60_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The executions of a workflow (summaries, newest first as n8n lists them). */
export async function executionsOf(api, workflowId) {
	const list = await api.request('GET', `executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`);
	return list.results ?? list;
}

/** Waits until the workflow has `count` finished executions; returns them with their run data, oldest first. */
export async function finishedExecutions(api, workflowId, count) {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		const summaries = await executionsOf(api, workflowId);
		if (summaries.length >= count && summaries.every((summary) => summary.stoppedAt)) {
			const executions = [];
			for (const summary of summaries) executions.push(await api.waitForExecution(summary.id));
			return executions.sort((a, b) => Number(a.id) - Number(b.id));
		}
		if (Date.now() > deadline) throw new Error(`workflow ${workflowId}: ${summaries.length} execution(s) after ${WAIT_MS / 1000} s, expected ${count}`);
		await sleep(300);
	}
}

/** n8n registers an activated workflow's webhooks shortly after (2.x: through its outbox): wait until a callback gets past 404. */
export async function untilListening(emulator, ruleId, groupId) {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		const probe = await emulator.admin('POST', 'callbacks/send', { ruleId, event: { kind: 'deleteAnnouncement', groupId, operator: 'probe' }, security: '0'.repeat(32), retry: false });
		if (probe.attempts[0].status !== 404) return probe;
		if (Date.now() > deadline) throw new Error(`the webhook of ${ruleId} still answers 404 after ${WAIT_MS / 1000} s`);
		await sleep(500);
	}
}
