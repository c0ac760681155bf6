/**
 * The send-and-judge loop: every request of the node leaves on a turn of the app key's pace, its
 * answer is judged in one place (shared/errors.ts: success, retry, or the user's error), and
 * transient failures are retried within the item's budget.
 */
import type { IDataObject, IExecuteSingleFunctions, IHttpRequestMethods, IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { clientCredentialsToken, issuedTokenGeneration } from '../../../agora/bearerToken';
import type { AdaptivePacer, PacerTicket } from '../../../agora/requestBudget';
import { CREDENTIAL_TYPE, isItemContext, resolveApp } from './agoraApp';
import type { AgoraApp, AgoraContext } from './agoraApp';
import { AgoraAnswerFailure, describeAnswer, describeFailure, isRateLimited, isRetryable, isUncertain, toNodeError } from './errors';
import type { AgoraAnswer, FailureContext } from './errors';
import { assertNoDotSegments } from './identifiers';
import { turnForRequest } from './pacingTurns';
import { budgetFor, DEFAULT_TIMEOUT_MS, retryDelayMs } from './retryPolicy';
import type { RetryBudget } from './retryPolicy';
import { readIdentifier } from './validation';

export interface RetryHooks<T> {
	/**
	 * Called after a failure the service may have acted on (5xx, reset, timeout). Returns the
	 * result if it did, so that the request is not sent twice.
	 */
	recoverUncertain?: () => Promise<T | undefined>;
}

export interface SendOptions<T> extends RetryHooks<T> {
	budget: RetryBudget;
	/** Read only for an error message: an item's parameters are not read for requests that succeed. */
	about: FailureContext | (() => FailureContext);
	itemIndex?: number;
	/** Called as each attempt leaves (after its turn of the pace). */
	onSend?: () => void;
	/** Wait behind the items still waiting for their first turn (see pacingTurns.ts). */
	behindWaitingItems?: boolean;
}

/** Each item's attempt under way, by its budget: its turn, so that the answer's arrival can be noted before the body is read. */
const attemptsUnderWay = new WeakMap<RetryBudget, { pacer: AdaptivePacer; ticket: PacerTicket }>();

/**
 * The service has answered the item's request under way (its status and headers are here): the
 * turn counts in the service's second from now, not from when the body has been read and stored
 * (a download's body goes into n8n's binary store first, which under load took long enough to
 * slow the pace).
 */
export function serviceAnswered(budget: RetryBudget): void {
	const attempt = attemptsUnderWay.get(budget);
	if (attempt) attempt.pacer.answered(attempt.ticket);
}

/**
 * Sends one logical request: waits for the app key's pace, retries what the service calls
 * transient (429 reach_limit, 5xx, resets, timeouts) while Max Retries and Max Total Retry Wait
 * (wall time since the item's first attempt) allow, renews an Easemob token the service refused
 * (once; the token endpoint's own transient failures are retried like any other), and turns
 * every other failure into the error the user sees.
 */
export async function sendJudged<T>(context: AgoraContext, app: AgoraApp, send: () => Promise<T>, options: SendOptions<T>): Promise<T> {
	const { budget } = options;
	let renewFrom: number | undefined;
	let renewedToken = false;
	let retries = 0;
	for (let attempt = 1; ; attempt++) {
		budget.throwIfCancelled();
		const { pacer, ticket } = await turnForRequest(app, budget, options.behindWaitingItems);
		budget.attemptStarting();
		attemptsUnderWay.set(budget, { pacer, ticket });
		const tokenGeneration = app.tokenKey ? issuedTokenGeneration(app.tokenKey) : 0;
		const outcome = await (async () => {
			if (renewFrom !== undefined) {
				await renewClientToken(context, renewFrom);
				renewFrom = undefined;
				renewedToken = true;
			}
			options.onSend?.();
			pacer.sending(ticket);
			return await send();
		})().then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		// Answered, whatever the answer (if serviceAnswered did not say so earlier): the turn counts in the service's second.
		attemptsUnderWay.delete(budget);
		pacer.answered(ticket);
		if ('value' in outcome) {
			pacer.succeeded(ticket);
			return outcome.value;
		}
		if (budget.signal?.aborted) throw outcome.error;
		const failure = describeFailure(outcome.error);
		if (failure.kind === 'http' && failure.status === 401 && app.tokenKey && !renewedToken && renewFrom === undefined) {
			// The next attempt fetches a new token first (unless another request of this process already did).
			renewFrom = tokenGeneration;
			continue;
		}
		// A refusal for speed is not the request's fault: it slows the app key's pace and does not use up Max Retries.
		const slowDown = isRateLimited(failure);
		if (slowDown) pacer.rateLimited(ticket);
		if (options.recoverUncertain && isUncertain(failure)) {
			const recovered = await options.recoverUncertain();
			if (recovered !== undefined) return recovered;
		}
		if (!slowDown) retries++;
		const delayMs = retryDelayMs(budget.policy, attempt, failure, pacer.intervalMs);
		const outOfTime = !budget.allows(delayMs);
		if (!isRetryable(failure) || retries > budget.policy.maxRetries || outOfTime) {
			const about = typeof options.about === 'function' ? options.about() : options.about;
			const ended = isRetryable(failure) && outOfTime && retries <= budget.policy.maxRetries ? { retryWindowSeconds: budget.policy.maxTotalWaitMs / 1000 } : {};
			throw toNodeError(context.getNode(), failure, { ...about, attempts: attempt, ...ended }, options.itemIndex);
		}
		await budget.wait(delayMs);
	}
}

/** A new Easemob token after a 401, unless another request of this process already renewed it. */
async function renewClientToken(context: AgoraContext, refusedGeneration: number): Promise<void> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	await clientCredentialsToken(context.helpers, credentials, refusedGeneration);
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Error answers to streamed requests arrive unread; they are small JSON, read them to judge them. */
async function readBody(body: unknown): Promise<unknown> {
	const stream = body as AsyncIterable<Buffer> | undefined;
	if (!stream || typeof (stream as unknown as { pipe?: unknown }).pipe !== 'function' || !(Symbol.asyncIterator in stream)) return body;
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of stream) {
		const bytes = Buffer.from(chunk);
		if (length < MAX_ERROR_BODY_BYTES) chunks.push(bytes);
		length += bytes.length;
	}
	return Buffer.concat(chunks);
}

/** Turns a full response into an answer, or throws the judged failure for the retry loop. */
export async function judgeResponse(response: IN8nHttpFullResponse): Promise<IN8nHttpFullResponse> {
	const answer: AgoraAnswer = {
		status: response.statusCode,
		statusText: response.statusMessage,
		headers: response.headers ?? {},
		body: response.body,
	};
	if (answer.status >= 200 && answer.status < 300) return response;
	answer.body = await readBody(response.body);
	const failure = describeAnswer(answer);
	if (failure) throw new AgoraAnswerFailure(failure);
	return response;
}

export interface AgoraRequest {
	method: IHttpRequestMethods;
	/** Path below the app, built with shared/paths.ts, e.g. `/chatgroups/{id}/share_files`. */
	url: string;
	qs?: IDataObject;
	body?: IHttpRequestOptions['body'];
	headers?: IDataObject;
	/** Parse and send JSON (default true). */
	json?: boolean;
	encoding?: IHttpRequestOptions['encoding'];
	timeout?: number;
	proxy?: IHttpRequestOptions['proxy'];
	skipSslCertificateValidation?: boolean;
}

export interface AgoraRequestOptions {
	/** The item's retry budget; by default the item's own (declarative contexts) or a fresh one. */
	budget?: RetryBudget;
	/** What the request is about, for the error message (group, file, operation). */
	about?: FailureContext;
	/** Called as each attempt leaves. */
	onSend?: () => void;
	/** Wait behind the items still waiting for their first turn (see pacingTurns.ts). */
	behindWaitingItems?: boolean;
}

/** In an operation, a look-up waits as long as the operation's own request (Request Options > Timeout). */
function itemTimeout(context: AgoraContext): number {
	if (!isItemContext(context)) return DEFAULT_TIMEOUT_MS;
	const timeout = context.getNodeParameter('requestOptions.timeout', DEFAULT_TIMEOUT_MS) as unknown;
	return typeof timeout === 'number' && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS;
}

/**
 * THE request of the node outside its declarative operations (look-ups, pickers, the trigger):
 * the app's base URL from the credential, the app key's pace, `ignoreHttpStatusErrors` with
 * the full response judged in one place, retries, Retry-After, the item's budget, cancellation.
 * Resolves with the full response of a success (`body`, `headers`, `statusCode`).
 */
export async function agoraRequest(context: AgoraContext, request: AgoraRequest, options: AgoraRequestOptions = {}): Promise<IN8nHttpFullResponse> {
	assertNoDotSegments(request.url);
	const app = await resolveApp(context);
	const budget = options.budget ?? budgetFor(context);
	const { json = true, headers, skipSslCertificateValidation, ...rest } = request;
	const httpOptions: IHttpRequestOptions = {
		...rest,
		baseURL: app.baseUrl,
		json,
		headers: { Accept: 'application/json', ...(json ? { 'Content-Type': 'application/json' } : {}), ...headers },
		timeout: request.timeout ?? itemTimeout(context),
		skipSslCertificateValidation,
		ignoreHttpStatusErrors: true,
		returnFullResponse: true,
	};
	const send = async () =>
		await judgeResponse(
			(await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, { ...httpOptions })) as IN8nHttpFullResponse,
		);
	return await sendJudged(context, app, send, {
		budget,
		about: options.about ?? (isItemContext(context) ? () => itemFailureContext(context) : {}),
		itemIndex: isItemContext(context) ? context.getItemIndex() : undefined,
		onSend: options.onSend,
		behindWaitingItems: options.behindWaitingItems,
	});
}

/** What an operation's item is about, for its error message. */
export function itemFailureContext(context: IExecuteSingleFunctions): FailureContext {
	const resource = context.getNodeParameter('resource', '') as string;
	const operation = context.getNodeParameter('operation', '') as string;
	return {
		resource,
		operation,
		groupId: readIdentifier(context, 'groupId'),
		fileId: resource === 'sharedFile' && (operation === 'download' || operation === 'delete') ? readIdentifier(context, 'fileId') : undefined,
	};
}
