// The Agora Chat Callback Trigger in a running n8n, made as a user makes it in the editor (REST API): its workflow,
// the credentials, activation. Used by the e2e check (checks/callbackTrigger.mjs) and the benchmark (P6).

import { randomUUID } from 'node:crypto';

import { customNodeType } from './n8n-cli.mjs';

export const CALLBACK_TRIGGER = 'Agora Chat Callback Trigger';

/** A workflow whose only node is the trigger; Download Files brings the Agora Chat API credential along. */
export function callbackTriggerWorkflow({ name, events, downloadFiles = false, callbackCredential, apiCredential }) {
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
				type: customNodeType('chatCallbackTrigger'),
				typeVersion: 1,
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
