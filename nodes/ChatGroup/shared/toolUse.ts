/**
 * The node as an AI tool. n8n offers every `usableAsTool` node as `<type>Tool` ("Agora Chat Group
 * Tool"): an AI Agent's model, or an MCP client through the MCP Server Trigger, calls it with the
 * parameters written as `$fromAI()`, and reads its output items (JSON only: never binary data).
 */
import type { INode, INodeExecutionData } from 'n8n-workflow';

import { errorForItem } from './errors';

const AI_TOOL_CONNECTION = 'ai_tool';

/** Whether this run is a tool call (the node's `…Tool` variant). */
export function runsAsTool(context: { getNode(): INode }): boolean {
	return context.getNode().type.endsWith('Tool');
}

/** An error as a model reads it: what went wrong, then what to do. */
export function errorForModel(error: Error & { description?: string | null }): string {
	const message = error.message.trim();
	const description = typeof error.description === 'string' ? error.description.trim() : '';
	if (!description || message.includes(description)) return message;
	return `${message}${/[.!?]$/.test(message) ? '' : '.'} ${description}`;
}

/**
 * A tool call's failure, as the model gets to read it whole (what went wrong and what to do):
 * - The AI Agent (3.x) has n8n's engine run each tool call as a step of the execution, marked
 *   `rewireOutputLogTo: 'ai_tool'`, and hands the model that step's output items. A thrown error
 *   there stops the whole execution in n8n 1.x, and reaches the model of n8n 2.x without its
 *   description, so the node answers `{ error }` instead, unless the user chose Settings > On
 *   Error > Stop Workflow (then the error stops it, as n8n shows it).
 * - Elsewhere (MCP Server Trigger, older agents) n8n invokes the node and passes a thrown error's
 *   message on, in queue mode nothing else: the message then carries the description too.
 * - Under Continue On Fail, the answer `{ error }` in both cases.
 * The error thrown is this item's copy: `error` itself may be shared with other items (a failed
 * list read), and its message stays as it is.
 */
export function toolCallFailure(
	context: { getNode(): INode; getItemIndex(): number; continueOnFail(): boolean },
	error: Error & { description?: string | null },
): INodeExecutionData[] {
	const node = context.getNode();
	const agentStep = node.rewireOutputLogTo === AI_TOOL_CONNECTION;
	if (context.continueOnFail() || (agentStep && node.onError !== 'stopWorkflow')) {
		return [{ json: { error: errorForModel(error) }, pairedItem: { item: context.getItemIndex() } }];
	}
	const own = errorForItem(error, context.getItemIndex());
	if (!agentStep) {
		own.message = errorForModel(error);
		if (typeof error.stack === 'string') own.stack = error.stack.replace(error.message, own.message);
	}
	throw own;
}
