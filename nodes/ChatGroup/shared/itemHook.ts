/**
 * The item hook every declarative operation is sent through (n8n runs `requestOperations.pagination`
 * in place of the plain request when `paginate` is set), and what operations build their output with.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	PostReceiveAction,
} from 'n8n-workflow';

import { resolveApp } from './agoraApp';
import { withIdsInPath } from './descriptions';
import { describeFailure, toNodeError } from './errors';
import { assertNoDotSegments } from './identifiers';
import { forgetItemParameters } from './itemParameters';
import { releaseItemTurn, reserveItemTurn } from './pacingTurns';
import { forgetItemRetryBudget, itemRetryBudget } from './retryPolicy';
import { itemFailureContext, judgeResponse, sendJudged, serviceAnswered } from './sendAndJudge';
import type { RetryHooks } from './sendAndJudge';
import { runsAsTool, toolCallFailure } from './toolUse';
import { nameItemInError, requireIdentifiers } from './validation';

/**
 * Sends one logical request of a declarative operation (`send` calls `makeRoutingRequest`),
 * paced, judged and retried within the item's budget.
 */
export async function withRetries<T>(context: IExecuteSingleFunctions, send: () => Promise<T>, hooks: RetryHooks<T> = {}): Promise<T> {
	const app = await resolveApp(context);
	return await sendJudged(context, app, send, {
		...hooks,
		budget: itemRetryBudget(context),
		about: () => itemFailureContext(context),
		itemIndex: context.getItemIndex(),
	});
}

type RequestHook = (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
) => Promise<INodeExecutionData[]>;

/** The first postReceive of every operation: anything but a success goes back to the retry loop. */
const judgeAnswerFirst: PostReceiveAction = async function (this: IExecuteSingleFunctions, items, response) {
	serviceAnswered(itemRetryBudget(this));
	await judgeResponse(response);
	return items;
};

/** n8n's errors as they are; anything else (a refusal of ours, a bug) as the node error a user reads. */
function asNodeError(context: IExecuteSingleFunctions, error: Error): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return toNodeError(context.getNode(), describeFailure(error), {}, context.getItemIndex());
}

/**
 * Wraps an operation's request hook: the item waits for its turn of the pace, then its ids are
 * checked before anything is sent, the request goes to the credential's app, every answer is
 * judged before the operation's own postReceive sees it, and a failure becomes this item's own
 * error: an error item paired with its input under Continue On Fail, or else an error that names
 * the item (a tool call's failure: the model's answer, toolUse.ts).
 */
export function itemRequest(hook: RequestHook): RequestHook {
	return async function (this: IExecutePaginationFunctions, requestData) {
		const budget = itemRetryBudget(this);
		// A promise chain, not try/catch: the node errors raised inside are passed on as they are.
		return await Promise.resolve()
			.then(async () => {
				const app = await resolveApp(this);
				budget.throwIfCancelled();
				await reserveItemTurn(app, budget);
				requireIdentifiers(this);
				const url = withIdsInPath(this, requestData.options.url);
				if (url !== undefined) assertNoDotSegments(url);
				requestData.options.url = url;
				requestData.options.baseURL = app.baseUrl;
				// n8n runs `requestData.postReceive` on every answer of makeRoutingRequest.
				requestData.postReceive.unshift({ data: { parameterValue: undefined }, actions: [judgeAnswerFirst] });
				return await hook.call(this, requestData);
			})
			.catch((error: Error) => {
				const own = nameItemInError(this, asNodeError(this, error));
				if (runsAsTool(this)) return toolCallFailure(this, own);
				if (!this.continueOnFail()) throw own;
				return [{ json: {}, error: own, pairedItem: { item: this.getItemIndex() } }];
			})
			.finally(() => {
				releaseItemTurn(budget);
				// What the item read and its budget are not kept for the rest of the node's run (thousands of items).
				forgetItemRetryBudget(this);
				forgetItemParameters(this);
			});
	};
}

/** The request hook of every operation without one of its own: the declarative request, with retries. */
export const sendWithRetries = itemRequest(async function (requestData) {
	return await withRetries(this, async () => await this.makeRoutingRequest(requestData));
});

/** Output items keep a link to the input item they came from. */
export function pairedWith(context: IExecuteSingleFunctions, json: IDataObject): INodeExecutionData {
	return { json, pairedItem: { item: context.getItemIndex() } };
}

/** `data` of the service's success envelope (a body that came as text is parsed first). */
export function envelopeData(body: unknown): unknown {
	let envelope = body;
	if (typeof envelope === 'string') {
		try {
			envelope = JSON.parse(envelope);
		} catch {
			return undefined;
		}
	}
	return envelope && typeof envelope === 'object' ? (envelope as IDataObject).data : undefined;
}

/** A postReceive for operations that answer one object: shaped from the envelope's `data`, paired with its input. */
export function singleResult(shape: (data: IDataObject, context: IExecuteSingleFunctions) => IDataObject) {
	return async function (
		this: IExecuteSingleFunctions,
		_items: INodeExecutionData[],
		response: IN8nHttpFullResponse,
	): Promise<INodeExecutionData[]> {
		const data = envelopeData(response.body);
		return [pairedWith(this, shape(data && typeof data === 'object' ? (data as IDataObject) : {}, this))];
	};
}
