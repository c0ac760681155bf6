import { sleep } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IN8nHttpFullResponse,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
} from 'n8n-workflow';

import { describeFailure, isRetryable, isUncertain, toNodeError } from './errors';
import type { AgoraFailure, FailureContext } from './errors';
import { nameItemInError, readIdentifier, requireIdentifiers } from './validation';

export const CREDENTIAL_TYPE = 'agoraChatApi';

export interface RetryPolicy {
	maxRetries: number;
	maxTotalWaitMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 4,
	maxTotalWaitMs: 60_000,
	baseDelayMs: 500,
	maxDelayMs: 15_000,
};

function readNumber(context: IExecuteSingleFunctions, name: string, fallback: number): number {
	const value = context.getNodeParameter(`requestOptions.${name}`, fallback) as unknown;
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function readRetryPolicy(context: IExecuteSingleFunctions): RetryPolicy {
	return {
		...DEFAULT_RETRY_POLICY,
		maxRetries: Math.floor(readNumber(context, 'maxRetries', DEFAULT_RETRY_POLICY.maxRetries)),
		maxTotalWaitMs: readNumber(context, 'maxRetryWaitSeconds', DEFAULT_RETRY_POLICY.maxTotalWaitMs / 1000) * 1000,
	};
}

/** Exponential backoff with jitter (50–100 % of the step), or the service's Retry-After. */
export function retryDelayMs(policy: RetryPolicy, retryNumber: number, failure: AgoraFailure): number {
	if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
	const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
	return Math.round(step * (0.5 + Math.random() / 2));
}

export function failureContext(context: IExecuteSingleFunctions): FailureContext {
	const resource = context.getNodeParameter('resource', '') as string;
	const operation = context.getNodeParameter('operation', '') as string;
	return {
		resource,
		operation,
		groupId: readIdentifier(context, 'groupId'),
		fileId: resource === 'sharedFile' && (operation === 'download' || operation === 'delete') ? readIdentifier(context, 'fileId') : undefined,
	};
}

export interface RetryHooks<T> {
	/**
	 * Called after a failure that may have reached the service (reset, timeout). Returns
	 * the result if the service did act on the request, so that it is not sent twice.
	 */
	recoverUncertain?: () => Promise<T | undefined>;
}

/**
 * Sends one logical request: retries what the API calls transient (429 reach_limit, 5xx,
 * resets, timeouts) within the node's retry budget, and turns every other failure into
 * the error the user sees.
 */
export async function withRetries<T>(
	context: IExecuteSingleFunctions,
	send: () => Promise<T>,
	hooks: RetryHooks<T> = {},
): Promise<T> {
	const policy = readRetryPolicy(context);
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		let failure: AgoraFailure;
		try {
			return await send();
		} catch (error) {
			failure = describeFailure(error);
		}
		if (hooks.recoverUncertain && isUncertain(failure)) {
			const recovered = await hooks.recoverUncertain();
			if (recovered !== undefined) return recovered;
		}
		const delayMs = retryDelayMs(policy, attempt, failure);
		const retryAllowed =
			isRetryable(failure) && attempt <= policy.maxRetries && waitedMs + delayMs <= policy.maxTotalWaitMs;
		if (!retryAllowed) {
			throw toNodeError(
				context.getNode(),
				failure,
				{ ...failureContext(context), attempts: attempt },
				context.getItemIndex(),
			);
		}
		waitedMs += delayMs;
		await sleep(delayMs);
	}
}

type RequestHook = (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
) => Promise<INodeExecutionData[]>;

/**
 * Wraps an operation's request hook (n8n runs `requestOperations.pagination` in place of the
 * plain request when `paginate` is set): ids are checked before anything is sent, and a
 * failure becomes an error item paired with its input under Continue On Fail, or else an
 * error that names the item.
 */
export function itemRequest(hook: RequestHook): RequestHook {
	return async function (this: IExecutePaginationFunctions, requestData) {
		// A promise chain, not try/catch: the node errors raised inside are passed on as they are.
		return await Promise.resolve()
			.then(async () => {
				requireIdentifiers(this);
				return await hook.call(this, requestData);
			})
			.catch((error: Error) => {
				if (!this.continueOnFail()) throw nameItemInError(this, error);
				return [{ json: {}, error: error as never, pairedItem: { item: this.getItemIndex() } }];
			});
	};
}

/** The request hook of every operation without one of its own: the declarative request, with retries. */
export const sendWithRetries = itemRequest(async function (requestData) {
	return await withRetries(this, async () => await this.makeRoutingRequest(requestData));
});

/**
 * A plain JSON GET against the app (for look-ups an operation needs besides its own request),
 * authenticated and retried like every other call.
 */
export async function getAppJson(
	context: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	url: string,
	qs: IDataObject = {},
): Promise<IDataObject> {
	const { baseURL, timeout, headers, skipSslCertificateValidation, proxy } = requestData.options;
	const options: IHttpRequestOptions = {
		method: 'GET',
		baseURL,
		url,
		qs,
		json: true,
		timeout,
		proxy,
		skipSslCertificateValidation: skipSslCertificateValidation === true || skipSslCertificateValidation === 'true',
		headers: { ...headers, Accept: 'application/json' },
	};
	return await withRetries(
		context,
		async () =>
			(await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options)) as IDataObject,
	);
}

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
