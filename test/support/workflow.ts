/** Small workflows for engine tests: nodes in a line from a manual trigger, in one execution. */
import type { INode, INodeParameters } from 'n8n-workflow';

import type { WorkflowFile } from './engine';
import { CHAT_GROUP_NODE_TYPE, CREDENTIAL_TYPE } from './engine';

export interface Step {
	name: string;
	/** Default: the Agora Chat Group node. */
	type?: string;
	parameters?: INodeParameters;
	/** e.g. `{ executeOnce: true }`. */
	extra?: Partial<INode>;
}

/** `Start` (manual trigger), then `steps` connected one after another. */
export function lineWorkflow(name: string, steps: Step[]): WorkflowFile {
	const nodes: INode[] = [
		{ id: 'Start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		...steps.map(
			(step, index): INode => ({
				id: step.name,
				name: step.name,
				type: step.type ?? CHAT_GROUP_NODE_TYPE,
				typeVersion: 1,
				position: [200 * (index + 1), 0],
				parameters: step.parameters ?? {},
				...(step.type === undefined ? { credentials: { [CREDENTIAL_TYPE]: { id: 'credential-1', name: 'Agora Chat account' } } } : {}),
				...step.extra,
			}),
		),
	];
	const connections = Object.fromEntries(
		nodes.slice(0, -1).map((node, index) => [node.name, { main: [[{ node: nodes[index + 1].name, type: 'main' as const, index: 0 }]] }]),
	);
	return { name, nodes, connections, settings: { executionOrder: 'v1' } };
}
