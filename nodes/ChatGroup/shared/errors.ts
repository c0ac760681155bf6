import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

/**
 * The one place that judges what came back from the service. Every request is sent with
 * `ignoreHttpStatusErrors`, so an answer arrives as plain status, headers and body on every
 * n8n version; only failures to get any answer (resets, timeouts) arrive as thrown errors.
 */

/** What went wrong with one request, reduced to plain data (no request config, so no token). */
export interface AgoraFailure {
	/**
	 * `http`: the service answered with an error; `network`/`timeout`: no (whole) answer;
	 * `input`: refused before sending; `unexpected`: a success status with a body that is not
	 * what the operation expects; `other`: anything else (a bug, the binary store, n8n itself).
	 */
	kind: 'http' | 'network' | 'timeout' | 'input' | 'unexpected' | 'other';
	status?: number;
	/** The service's `error` code, e.g. `reach_limit`. */
	error?: string;
	/** The service's `error_description`. */
	description?: string;
	statusText?: string;
	retryAfterMs?: number;
	/** Node.js / axios error code for transport failures, e.g. ECONNRESET. */
	code?: string;
	/** The failure's own message (refusals before sending, unknown errors). */
	message?: string;
	hint?: string;
	/** The error itself, for failures the node does not know: shown to the user as it is. */
	original?: Error;
}

/** An answer as every n8n version hands it over with `ignoreHttpStatusErrors` and the full response. */
export interface AgoraAnswer {
	status: number;
	statusText?: string;
	headers: Record<string, unknown>;
	/** Parsed JSON, text or bytes; a streamed body must be read before it is judged. */
	body: unknown;
}

/** A judged answer that is not a success, travelling from the judge to the retry loop. */
export class AgoraAnswerFailure extends Error {
	constructor(readonly failure: AgoraFailure) {
		super(failure.description || failure.error || `HTTP ${failure.status}`);
		this.name = 'AgoraAnswerFailure';
	}
}

/** The body ended before the length the service declared: a transport failure, retried. */
export class AgoraIncompleteDownloadError extends Error {
	readonly code = 'INCOMPLETE_DOWNLOAD';

	constructor(
		readonly receivedBytes: number,
		readonly declaredBytes: number,
	) {
		super(`The download ended after ${receivedBytes} of ${declaredBytes} bytes`);
		this.name = 'AgoraIncompleteDownloadError';
	}
}

/** A success status with a body that is not what the operation expects. Not retried. */
export class AgoraUnexpectedResponseError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'AgoraUnexpectedResponseError';
	}
}

export interface FailureContext {
	resource?: string;
	operation?: string;
	groupId?: string;
	fileId?: string;
	attempts?: number;
	/** Set when retrying ended because Max Total Retry Wait (seconds) was up. */
	retryWindowSeconds?: number;
}

interface ErrorLike {
	name?: string;
	message?: string;
	code?: string;
	hint?: string;
	cause?: unknown;
	/** n8n 1.x keeps the wrapped error here when it is not an Error instance. */
	errorResponse?: unknown;
}

/** The error and what it wraps: n8n wraps transport errors in its own, the Node.js code sits below. */
function causeChain(error: unknown): ErrorLike[] {
	const chain: ErrorLike[] = [];
	let current: unknown = error;
	while (current && typeof current === 'object' && chain.length < 10 && !chain.includes(current as ErrorLike)) {
		chain.push(current as ErrorLike);
		current = (current as ErrorLike).cause ?? (current as ErrorLike).errorResponse;
	}
	return chain;
}

function parseErrorBody(data: unknown): { error?: string; description?: string } {
	let body = data;
	if (Buffer.isBuffer(body) || body instanceof ArrayBuffer) {
		body = Buffer.from(body as Buffer).toString('utf8');
	}
	if (typeof body === 'string') {
		try {
			body = JSON.parse(body);
		} catch {
			return {};
		}
	}
	if (!body || typeof body !== 'object') return {};
	const { error, error_description: description } = body as Record<string, unknown>;
	return {
		error: typeof error === 'string' ? error : undefined,
		description: typeof description === 'string' ? description : undefined,
	};
}

/** `Retry-After` is seconds or an HTTP date; the service documents neither, so both are read. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	if (Array.isArray(value)) return parseRetryAfter(value[0], now);
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function headerValue(headers: Record<string, unknown>, name: string): unknown {
	const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
	return key === undefined ? undefined : headers[key];
}

/** Judges an answer: `undefined` for a success, else what went wrong. */
export function describeAnswer(answer: AgoraAnswer): AgoraFailure | undefined {
	if (answer.status >= 200 && answer.status < 300) return undefined;
	return {
		kind: 'http',
		status: answer.status,
		statusText: answer.statusText,
		retryAfterMs: parseRetryAfter(headerValue(answer.headers, 'retry-after')),
		...parseErrorBody(answer.body),
	};
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
/** Codes of a connection that failed or broke off; anything else is not the network's doing. */
const NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'EPIPE',
	'ENOTFOUND',
	'EAI_AGAIN',
	'ECONNABORTED',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_STREAM_PREMATURE_CLOSE',
	'INCOMPLETE_DOWNLOAD',
]);
const OWN_INPUT_ERRORS = new Set(['AgoraCredentialInputError', 'AgoraTokenInputError', 'AgoraIdentifierError']);

/** The deepest error in the chain: the one that says what really happened. */
function rootError(chain: ErrorLike[]): Error | undefined {
	for (let index = chain.length - 1; index >= 0; index--) {
		if (chain[index] instanceof Error) return chain[index] as Error;
	}
	return undefined;
}

/** The failure behind each error the node raised, so a caller can still ask what it was (a 404 on delete). */
const failureOfNodeError = new WeakMap<object, AgoraFailure>();

/** Judges an error thrown instead of an answer: a judged answer, a transport failure, or something else. */
export function describeFailure(error: unknown): AgoraFailure {
	const raised = error && typeof error === 'object' ? failureOfNodeError.get(error) : undefined;
	if (raised) return raised;
	const chain = causeChain(error);
	const judged = chain.find((level): level is AgoraAnswerFailure => level instanceof AgoraAnswerFailure);
	if (judged) return judged.failure;
	const tokenAnswer = chain.find((level) => level.name === 'AgoraTokenRequestFailure') as { answer?: AgoraAnswer } | undefined;
	if (tokenAnswer?.answer) return describeAnswer(tokenAnswer.answer) ?? { kind: 'other', message: 'The token request failed' };
	// The credential's own refusals (host, org/app, token fields), raised inside n8n's request helper.
	const input = chain.find((level) => OWN_INPUT_ERRORS.has(level.name ?? ''));
	if (input) return { kind: 'input', message: input.message, hint: input.hint };
	const unexpected = chain.find((level) => level.name === 'AgoraUnexpectedResponseError');
	if (unexpected) return { kind: 'unexpected', message: unexpected.message, hint: unexpected.hint };

	const code = chain.map((level) => level.code).find((value) => typeof value === 'string');
	const messages = chain.map((level) => level.message ?? '').join('\n');
	if ((code !== undefined && TIMEOUT_CODES.has(code)) || /timeout of \d+ms exceeded/i.test(messages)) {
		return { kind: 'timeout', code: code ?? 'ETIMEDOUT' };
	}
	const incomplete = chain.find((level) => level.code === 'INCOMPLETE_DOWNLOAD');
	if (incomplete) return { kind: 'network', code: 'INCOMPLETE_DOWNLOAD', message: incomplete.message };
	if (code !== undefined && NETWORK_CODES.has(code)) return { kind: 'network', code };
	if (/socket hang up/i.test(messages)) return { kind: 'network', code: 'ECONNRESET' };
	const original = rootError(chain);
	return { kind: 'other', code, message: original?.message ?? String(error), original };
}

/**
 * A server error that may pass (so it is retried) and may come after the service acted (so an
 * upload looks for its file first): every 5xx but 501 Not Implemented and 505 HTTP Version Not
 * Supported, which are the same answer every time and come before anything is done.
 */
function isTransientServerError(status: number | undefined): boolean {
	return status !== undefined && status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/** Transient by the API's own account: rate limit (not quota), server errors, lost connections. */
export function isRetryable(failure: AgoraFailure): boolean {
	if (failure.kind === 'timeout' || failure.kind === 'network') return true;
	if (failure.kind !== 'http') return false;
	if (failure.status === 429) return failure.error !== 'resource_limited';
	return isTransientServerError(failure.status);
}

/** The service's "slow down": the pacer of the app key backs off on it. */
export function isRateLimited(failure: AgoraFailure): boolean {
	return failure.kind === 'http' && failure.status === 429 && failure.error !== 'resource_limited';
}

/**
 * Whether the service may have acted on the request although no success came back: a transient
 * server error (a gateway answers when the service behind it may have finished), a reset, a timeout.
 */
export function isUncertain(failure: AgoraFailure): boolean {
	if (failure.kind === 'timeout') return true;
	if (failure.kind === 'http') return isTransientServerError(failure.status);
	return failure.kind === 'network' && failure.code !== 'ECONNREFUSED' && failure.code !== 'ENOTFOUND' && failure.code !== 'EAI_AGAIN';
}

/** " The node tried N times." and, when Max Total Retry Wait ended the retries, how long that was. */
function triedText(context: FailureContext): string {
	if (!context.attempts || context.attempts <= 1) return '';
	const window = context.retryWindowSeconds === undefined ? '' : ` in ${context.retryWindowSeconds} s (Max Total Retry Wait)`;
	return ` The node tried ${context.attempts} times${window}.`;
}

function quoted(value: string | undefined): string {
	return value === undefined ? '' : `"${value}"`;
}

function describeHttp(failure: AgoraFailure, context: FailureContext): string {
	const { status, error } = failure;
	const group = quoted(context.groupId);
	const retried = triedText(context);
	if (status === 401) {
		return 'The service refused the token. Check the credential: an App Token expires within 24 hours (use App ID + App Certificate so the node makes a fresh token for every run), and the Host must be your project\'s own REST API domain: a token is refused by another data center with this same error.';
	}
	if (status === 404) {
		if (error === 'organization_application_not_found') {
			return 'The Org Name or App Name in the credential is wrong. Copy both from the Agora Console (Project Management > Config > Chat > Basic Information: the App Key is "{org name}#{app name}").';
		}
		if (context.fileId !== undefined && error !== 'service_resource_not_found') {
			return `File ${quoted(context.fileId)} is not a shared file of group ${group} (shared files are kept for 7 days by default). Use Shared File > Get Many to see the group's current files and their IDs.`;
		}
		return `Group ${group} does not exist in this app. Check the Group ID: it is the numeric ID the service gave the group when it was created.`;
	}
	if (status === 403 && /announce info length exceeds limit/i.test(failure.description ?? '')) {
		return 'The service refused the announcement: it accepts at most 512 characters. Shorten the text.';
	}
	if (status === 403) {
		return 'The service does not allow this call for this group or app. Check the group settings and the app\'s permissions in the Agora Console.';
	}
	if (status === 413) {
		return 'The file is larger than the app accepts (10 MB unless your plan raises it). Send a smaller file.';
	}
	if (status === 429 && error === 'resource_limited') {
		return 'Your Agora Chat plan\'s quota for this feature is used up. Upgrade the plan or wait until the quota resets; the node does not retry this.';
	}
	if (status === 429) {
		return `The app key is sending more than the 100 requests per second the service allows.${retried} Lower Requests per Second in the credential, or run fewer items at once.`;
	}
	if (status === 400) {
		return 'The service refused the request as invalid. Check the node\'s parameters.';
	}
	if (status !== undefined && status >= 500) {
		return `The Agora Chat service is having trouble (HTTP ${status}).${retried} Try again later.`;
	}
	return `The service answered with HTTP ${status}.`;
}

function transportMessage(failure: AgoraFailure): string {
	if (failure.code === 'INCOMPLETE_DOWNLOAD') return `The file did not arrive whole: ${failure.message?.replace(/^The download ended/, 'the download ended') ?? ''}`;
	if (failure.kind === 'timeout') return 'The Agora Chat service did not answer in time';
	if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') return 'The Host in the credential could not be found';
	if (failure.code === 'ECONNREFUSED') return 'The Agora Chat service refused the connection';
	return 'The connection to the Agora Chat service was lost';
}

function transportDescription(failure: AgoraFailure, context: FailureContext): string {
	const retried = triedText(context);
	if (failure.kind === 'timeout') {
		return `No answer arrived within the Timeout set in the node's Request Options.${retried} Raise the Timeout or try again later.`;
	}
	if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') {
		return 'Check the Host in the credential: it is the REST API domain shown in the Agora Console, e.g. a41.chat.agora.io.';
	}
	return `Check the Host in the credential and your network.${retried}`;
}

/** The error a user sees: the service's own words first, then what to check. */
export function toNodeError(node: INode, failure: AgoraFailure, context: FailureContext, itemIndex?: number): NodeApiError | NodeOperationError {
	const error = nodeErrorFor(node, failure, context, itemIndex);
	failureOfNodeError.set(error, failure);
	return error;
}

function nodeErrorFor(node: INode, failure: AgoraFailure, context: FailureContext, itemIndex?: number): NodeApiError | NodeOperationError {
	if (failure.kind === 'other') {
		// Not a failure the node knows: the error keeps its own message (n8n's own errors stay as they are).
		const original = failure.original;
		if (original instanceof NodeApiError || original instanceof NodeOperationError) return original;
		return new NodeOperationError(node, original ?? new Error(failure.message ?? 'Unknown error'), { itemIndex });
	}
	if (failure.kind === 'input' || failure.kind === 'unexpected') {
		return new NodeOperationError(node, failure.message ?? 'Invalid input', {
			description: failure.hint,
			itemIndex,
		});
	}
	if (failure.kind === 'http') {
		const message = failure.description || failure.error || failure.statusText || `HTTP ${failure.status}`;
		const body: JsonObject = { error: failure.error ?? null, error_description: failure.description ?? null };
		return new NodeApiError(node, body, {
			message,
			description: describeHttp(failure, context),
			httpCode: failure.status === undefined ? undefined : String(failure.status),
			itemIndex,
		});
	}
	// No `code` key: NodeApiError would swap our message for its generic text for that code.
	return new NodeApiError(node, { failure: failure.kind }, {
		message: transportMessage(failure),
		description: transportDescription(failure, context),
		itemIndex,
	});
}

/**
 * The error as one item sees it: a copy, never the error itself, which other items may share (a
 * failed list read reaches every item waiting for it). The copy carries this item's index, and
 * `label` appended to its message.
 */
export function errorForItem<T extends Error>(error: T, itemIndex: number, label = ''): T {
	const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as T & { context?: object };
	const context = (error as { context?: unknown }).context;
	if (context && typeof context === 'object') copy.context = { ...context, itemIndex };
	if (label && !error.message.endsWith(label)) {
		copy.message = `${error.message}${label}`;
		if (typeof error.stack === 'string') copy.stack = error.stack.replace(error.message, copy.message);
	}
	const failure = failureOfNodeError.get(error);
	if (failure) failureOfNodeError.set(copy, failure);
	return copy;
}
