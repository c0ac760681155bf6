import { NodeOperationError } from 'n8n-workflow';
import type { INode } from 'n8n-workflow';

import { errorForModel, toolCallFailure } from '../../nodes/ChatGroup/shared/toolUse';

const toolNode = (extra: Partial<INode> = {}): INode => ({
	id: 't',
	name: 'Agora Chat Group Tool',
	type: 'n8n-nodes-agora-chat.chatGroupTool',
	typeVersion: 1.1,
	position: [0, 0],
	parameters: {},
	...extra,
});

const contextFor = (node: INode, itemIndex = 0, continueOnFail = false) => ({
	getNode: () => node,
	getItemIndex: () => itemIndex,
	continueOnFail: () => continueOnFail,
});

/** One error object, as a failed shared read hands it to every item waiting for it. */
function sharedError(): NodeOperationError {
	return new NodeOperationError(toolNode(), 'Group "42" does not exist in this app', { description: 'Check the Group ID.' });
}

describe('a tool call\'s failure never changes an error another item holds', () => {
	it('invoked directly (MCP Server Trigger): the thrown error is a copy that carries what to do; the shared one keeps its message', () => {
		const shared = sharedError();
		const thrown: unknown[] = [];
		for (const itemIndex of [0, 1]) {
			try {
				toolCallFailure(contextFor(toolNode(), itemIndex), shared);
			} catch (error) {
				thrown.push(error);
			}
		}
		expect(thrown).toHaveLength(2);
		for (const error of thrown) {
			expect(error).not.toBe(shared);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect((error as Error).message).toBe('Group "42" does not exist in this app. Check the Group ID.');
			expect((error as Error).stack).toContain('Check the Group ID.');
		}
		expect(shared.message).toBe('Group "42" does not exist in this app');
		expect(errorForModel(shared)).toBe('Group "42" does not exist in this app. Check the Group ID.');
	});

	it('an AI Agent step: the model\'s answer { error }, the shared error untouched', () => {
		const shared = sharedError();
		const answer = toolCallFailure(contextFor(toolNode({ rewireOutputLogTo: 'ai_tool' as never }), 1), shared);
		expect(answer).toEqual([{ json: { error: 'Group "42" does not exist in this app. Check the Group ID.' }, pairedItem: { item: 1 } }]);
		expect(shared.message).toBe('Group "42" does not exist in this app');
	});

	it('Stop Workflow chosen on an agent step: a copy is thrown with n8n\'s own message and description', () => {
		const shared = sharedError();
		let thrown: unknown;
		try {
			toolCallFailure(contextFor(toolNode({ rewireOutputLogTo: 'ai_tool' as never, onError: 'stopWorkflow' })), shared);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).not.toBe(shared);
		expect((thrown as NodeOperationError).message).toBe('Group "42" does not exist in this app');
		expect((thrown as NodeOperationError).description).toBe('Check the Group ID.');
	});
});
