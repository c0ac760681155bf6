import { sleep } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	IPollFunctions,
	PostReceiveAction,
} from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../../agora/appUrl';
import { clientCredentialsKey, clientCredentialsToken, issuedTokenGeneration } from '../../../agora/bearerToken';
import { DEFAULT_REQUESTS_PER_SECOND, pacerFor } from '../../../agora/requestBudget';
import type { PacerTicket } from '../../../agora/requestBudget';
import { tokenSourceOf } from '../../../agora/tokenSource';
import { withGroupInPath } from './descriptions';
import { AgoraAnswerFailure, describeAnswer, describeFailure, isRateLimited, isRetryable, isUncertain, toNodeError } from './errors';
import type { AgoraAnswer, AgoraFailure, FailureContext } from './errors';
import { nameItemInError, readIdentifier, requireIdentifiers } from './validation';

export const CREDENTIAL_TYPE = 'agoraChatApi';

/** Every n8n context that can send a request with the node's credential. */
export type AgoraContext = IExecuteSingleFunctions | IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

// ---- retry policy and the per-item budget ---------------------------------------------------

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

/** n8n's own default for a declarative node's request (Request Options > Timeout unset). */
export const DEFAULT_TIMEOUT_MS = 300_000;

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

/** Thrown when the execution was cancelled while the node waited. */
export class AgoraCancelledError extends Error {
	constructor() {
		super('The execution was cancelled');
		this.name = 'AgoraCancelledError';
	}
}

/**
 * What one item may still spend on retries, shared by every request made for it (a look-up
 * inside an upload draws on the same Max Total Retry Wait), and the execution's cancel signal.
 */
export class RetryBudget {
	private waitedMs = 0;
	private policyRead?: RetryPolicy;
	/** A turn of the app key's pace taken for the item before its first request was ready. */
	private reservedTurn?: PacerTicket;

	/** `policy` may be a reader: an item's Request Options are read only when a retry is considered. */
	constructor(
		private readonly policySource: RetryPolicy | (() => RetryPolicy) = DEFAULT_RETRY_POLICY,
		readonly signal?: AbortSignal,
	) {}

	get policy(): RetryPolicy {
		this.policyRead ??= typeof this.policySource === 'function' ? this.policySource() : this.policySource;
		return this.policyRead;
	}

	/** Whether a wait of `delayMs` still fits in Max Total Retry Wait. */
	allows(delayMs: number): boolean {
		return this.waitedMs + delayMs <= this.policy.maxTotalWaitMs;
	}

	/** Waits, and stops at once when the execution is cancelled (n8n 1.x's `sleep` takes no signal). */
	async wait(delayMs: number): Promise<void> {
		this.waitedMs += delayMs;
		await abortableSleep(delayMs, this.signal);
	}

	throwIfCancelled(): void {
		if (this.signal?.aborted) throw new AgoraCancelledError();
	}

	reserveTurn(ticket: PacerTicket): void {
		this.reservedTurn = ticket;
	}

	/** The reserved turn, once: the item's first request uses it, every later one waits for its own. */
	takeReservedTurn(): PacerTicket | undefined {
		const ticket = this.reservedTurn;
		this.reservedTurn = undefined;
		return ticket;
	}
}

/**
 * n8n 2.x's `sleep` takes the signal (and clears its timer on abort); 1.x's ignores it, so the
 * signal's own event ends the wait on both.
 */
export async function abortableSleep(delayMs: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(delayMs);
	if (signal.aborted) throw new AgoraCancelledError();
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => reject(new AgoraCancelledError());
		signal.addEventListener('abort', onAbort, { once: true });
		sleep(delayMs, signal).then(
			() => {
				signal.removeEventListener('abort', onAbort);
				resolve();
			},
			() => undefined,
		);
	});
}

function cancelSignalOf(context: AgoraContext): AbortSignal | undefined {
	const withSignal = context as { getExecutionCancelSignal?: () => AbortSignal | undefined };
	return typeof withSignal.getExecutionCancelSignal === 'function' ? withSignal.getExecutionCancelSignal() : undefined;
}

/** Per node run (n8n's execute data, alive while the run is), the budget of each item by its index. */
const itemBudgets = new WeakMap<object, Map<number, RetryBudget>>();

/**
 * The budget of the item a declarative context runs for, shared by every context of that item
 * (the item hook's, the item's own, a look-up's).
 */
export function itemRetryBudget(context: IExecuteSingleFunctions): RetryBudget {
	const run = (context.getExecuteData() as object | undefined) ?? context;
	const byItem = itemBudgets.get(run) ?? new Map<number, RetryBudget>();
	itemBudgets.set(run, byItem);
	const itemIndex = context.getItemIndex();
	const existing = byItem.get(itemIndex);
	if (existing) return existing;
	const budget = new RetryBudget(() => readRetryPolicy(context), cancelSignalOf(context));
	byItem.set(itemIndex, budget);
	return budget;
}

// ---- the app a credential points at ---------------------------------------------------------

/** Where requests go and how they are paced and authenticated, read from the credential. */
export interface AgoraApp {
	/** `https://{host}/{org}/{app}`: every request's baseURL, built in code, never per item by an expression. */
	baseUrl: string;
	requestsPerSecond: number;
	tokenSource: string;
	/** For Client ID + Client Secret: the hash that identifies the credential's tokens. */
	tokenKey?: string;
}

function appOf(credentials: ICredentialDataDecryptedObject): AgoraApp {
	const tokenSource = tokenSourceOf(credentials);
	const perSecond = Number(credentials.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND);
	return {
		baseUrl: agoraAppUrl(parseAgoraApp(credentials)),
		requestsPerSecond: Number.isFinite(perSecond) ? perSecond : DEFAULT_REQUESTS_PER_SECOND,
		tokenSource,
		tokenKey: tokenSource === 'clientCredentials' ? clientCredentialsKey(credentials) : undefined,
	};
}

/** Per process, per execution and credential (credentials may change between executions), bounded. */
const MAX_REMEMBERED_APPS = 200;
const appsByExecution = new Map<string, Promise<AgoraApp>>();

/** Only a running execution's items share the app (editor look-ups and polls read the credential anew). */
function executionKey(context: AgoraContext): string | undefined {
	if (!isItemContext(context)) return undefined;
	const credentialId = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id;
	let executionId: string | undefined;
	try {
		executionId = context.getExecutionId();
	} catch {
		executionId = undefined;
	}
	return executionId && credentialId ? `${executionId}\n${credentialId}` : undefined;
}

/** The app of the node's credential; read once per execution. Refusals name the field to fix. */
export async function resolveApp(context: AgoraContext): Promise<AgoraApp> {
	return await rememberedApp(context).catch((error: Error) => {
		throw toNodeError(context.getNode(), describeFailure(error), {}, isItemContext(context) ? context.getItemIndex() : undefined);
	});
}

async function rememberedApp(context: AgoraContext): Promise<AgoraApp> {
	const key = executionKey(context);
	const remembered = key ? appsByExecution.get(key) : undefined;
	if (remembered) return await remembered;
	const app = context.getCredentials(CREDENTIAL_TYPE).then(appOf);
	if (key) {
		appsByExecution.set(key, app);
		while (appsByExecution.size > MAX_REMEMBERED_APPS) appsByExecution.delete(appsByExecution.keys().next().value as string);
		app.catch(() => appsByExecution.delete(key));
	}
	return await app;
}

// ---- sending, judging, retrying -------------------------------------------------------------

export interface RetryHooks<T> {
	/**
	 * Called after a failure the service may have acted on (5xx, reset, timeout). Returns the
	 * result if it did, so that the request is not sent twice.
	 */
	recoverUncertain?: () => Promise<T | undefined>;
}

interface SendOptions<T> extends RetryHooks<T> {
	budget: RetryBudget;
	/** Read only for an error message: an item's parameters are not read for requests that succeed. */
	about: FailureContext | (() => FailureContext);
	itemIndex?: number;
}

/**
 * Sends one logical request: waits for the app key's pace, retries what the service calls
 * transient (429 reach_limit, 5xx, resets, timeouts) within the item's budget, renews an
 * Easemob token the service refused (once), and turns every other failure into the error the
 * user sees.
 */
async function sendJudged<T>(context: AgoraContext, app: AgoraApp, send: () => Promise<T>, options: SendOptions<T>): Promise<T> {
	const { budget } = options;
	const pacer = pacerFor(app.baseUrl, app.requestsPerSecond);
	let renewedToken = false;
	let retries = 0;
	for (let attempt = 1; ; attempt++) {
		budget.throwIfCancelled();
		const ticket = budget.takeReservedTurn() ?? (await pacer.take());
		const tokenGeneration = app.tokenKey ? issuedTokenGeneration(app.tokenKey) : 0;
		const outcome = await send().then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		if ('value' in outcome) {
			pacer.succeeded();
			return outcome.value;
		}
		if (budget.signal?.aborted) throw outcome.error;
		const failure = describeFailure(outcome.error);
		if (failure.kind === 'http' && failure.status === 401 && app.tokenKey && !renewedToken) {
			renewedToken = true;
			await renewClientToken(context, tokenGeneration);
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
		const delayMs = retryDelayMs(budget.policy, attempt, failure);
		if (!isRetryable(failure) || retries > budget.policy.maxRetries || !budget.allows(delayMs)) {
			const about = typeof options.about === 'function' ? options.about() : options.about;
			throw toNodeError(context.getNode(), failure, { ...about, attempts: attempt }, options.itemIndex);
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
	/** Path below the app, e.g. `/chatgroups/{id}/share_files` (ids already encoded). */
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
}

function isItemContext(context: AgoraContext): context is IExecuteSingleFunctions {
	return typeof (context as IExecuteSingleFunctions).getItemIndex === 'function';
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
	const app = await resolveApp(context);
	const budget = options.budget ?? (isItemContext(context) ? itemRetryBudget(context) : new RetryBudget(DEFAULT_RETRY_POLICY, cancelSignalOf(context)));
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
		about: options.about ?? (isItemContext(context) ? () => failureContext(context) : {}),
		itemIndex: isItemContext(context) ? context.getItemIndex() : undefined,
	});
}

// ---- declarative operations -----------------------------------------------------------------

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

/**
 * Sends one logical request of a declarative operation (`send` calls `makeRoutingRequest`),
 * judged, paced and retried as above. Runs inside `itemRequest`, which routes the answers
 * through the judge.
 */
export async function withRetries<T>(context: IExecuteSingleFunctions, send: () => Promise<T>, hooks: RetryHooks<T> = {}): Promise<T> {
	const app = await resolveApp(context);
	return await sendJudged(context, app, send, {
		...hooks,
		budget: itemRetryBudget(context),
		about: () => failureContext(context),
		itemIndex: context.getItemIndex(),
	});
}

type RequestHook = (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
) => Promise<INodeExecutionData[]>;

/** The first postReceive of every operation: anything but a success goes back to the retry loop. */
const judgeAnswerFirst: PostReceiveAction = async function (this: IExecuteSingleFunctions, items, response) {
	await judgeResponse(response);
	return items;
};

/**
 * Wraps an operation's request hook (n8n runs `requestOperations.pagination` in place of the
 * plain request when `paginate` is set): ids are checked before anything is sent, the request
 * goes to the credential's app, every answer is judged before the operation's own postReceive
 * sees it, and a failure becomes an error item paired with its input under Continue On Fail,
 * or else an error that names the item.
 */
export function itemRequest(hook: RequestHook): RequestHook {
	return async function (this: IExecutePaginationFunctions, requestData) {
		// A promise chain, not try/catch: the node errors raised inside are passed on as they are.
		return await Promise.resolve()
			.then(async () => {
				const app = await resolveApp(this);
				// n8n prepares every item before any request can leave: each item waits for its turn of
				// the app key's pace before reading its own parameters, so the first request is not
				// held up by the preparation of all the items after it.
				itemRetryBudget(this).reserveTurn(await pacerFor(app.baseUrl, app.requestsPerSecond).take());
				requireIdentifiers(this);
				requestData.options.url = withGroupInPath(this, requestData.options.url);
				requestData.options.baseURL = app.baseUrl;
				// n8n runs `requestData.postReceive` on every answer of makeRoutingRequest.
				requestData.postReceive.unshift({ data: { parameterValue: undefined }, actions: [judgeAnswerFirst] });
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
