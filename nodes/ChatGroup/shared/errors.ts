import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

/** What went wrong with one request, reduced to plain data (no request config, so no token). */
export interface AgoraFailure {
	kind: 'http' | 'network' | 'timeout' | 'input' | 'unexpected';
	status?: number;
	/** The service's `error` code, e.g. `reach_limit`. */
	error?: string;
	/** The service's `error_description`. */
	description?: string;
	statusText?: string;
	retryAfterMs?: number;
	/** Node.js / axios error code for transport failures, e.g. ECONNRESET. */
	code?: string;
	/** The message of a refusal made before sending (input errors). */
	message?: string;
	hint?: string;
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
	resource: string;
	operation: string;
	groupId?: string;
	fileId?: string;
	attempts?: number;
}

interface ErrorLike {
	name?: string;
	message?: string;
	code?: string;
	hint?: string;
	field?: string;
	cause?: unknown;
	/** n8n 1.x keeps the wrapped error here when it is not an Error instance. */
	errorResponse?: unknown;
	httpCode?: string | null;
	context?: { data?: unknown };
	response?: { status?: number; statusText?: string; headers?: Record<string, unknown>; data?: unknown };
}

function causeChain(error: unknown): ErrorLike[] {
	const chain: ErrorLike[] = [];
	let current: unknown = error;
	while (current && typeof current === 'object' && chain.length < 10) {
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
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'EPIPE',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_BAD_RESPONSE',
	'ERR_STREAM_PREMATURE_CLOSE',
	'ECONNABORTED',
]);

export function describeFailure(error: unknown): AgoraFailure {
	const chain = causeChain(error);
	const input = chain.find(
		// The credential's own refusals (host, org/app, token fields), raised inside n8n's request helper.
		(level) => level.name === 'AgoraCredentialInputError' || level.name === 'AgoraTokenInputError',
	);
	if (input) return { kind: 'input', message: input.message, hint: input.hint };
	const unexpected = chain.find((level) => level.name === 'AgoraUnexpectedResponseError');
	if (unexpected) return { kind: 'unexpected', message: unexpected.message, hint: unexpected.hint };
	const incomplete = chain.find((level) => level.name === 'AgoraIncompleteDownloadError');
	if (incomplete) return { kind: 'network', code: 'INCOMPLETE_DOWNLOAD', message: incomplete.message };

	// A 2xx on an error means the body broke off after the headers: a transport failure.
	const withResponse = chain.find((level) => typeof level.response?.status === 'number' && level.response.status >= 300);
	if (withResponse?.response) {
		const { status, statusText, headers, data } = withResponse.response;
		return {
			kind: 'http',
			status,
			statusText,
			retryAfterMs: parseRetryAfter(headers?.['retry-after']),
			...parseErrorBody(data),
		};
	}

	// n8n rewords transport errors; the original code and message sit further down the chain.
	// Where only n8n's wrapper tells the status (its httpCode), the body is in its context.
	const wrapped = chain.find((level) => Number(level.httpCode) >= 300);
	if (wrapped) return { kind: 'http', status: Number(wrapped.httpCode), ...parseErrorBody(wrapped.context?.data) };

	const code = chain.map((level) => level.code).find((value) => typeof value === 'string');
	const messages = chain.map((level) => level.message ?? '').join('\n');
	if ((code && TIMEOUT_CODES.has(code) && /timeout|timed out/i.test(messages)) || /timeout of \d+ms exceeded/i.test(messages)) {
		return { kind: 'timeout', code: code ?? 'ETIMEDOUT' };
	}
	if (code && NETWORK_CODES.has(code)) return { kind: 'network', code };
	if (/socket hang up|aborted|premature close|ECONNRESET/i.test(messages)) {
		return { kind: 'network', code: code ?? 'ECONNRESET' };
	}
	return { kind: 'network', code, message: chain[0]?.message };
}

/** Transient by the API's own account: rate limit (not quota), gateway errors, lost connections. */
export function isRetryable(failure: AgoraFailure): boolean {
	if (failure.kind === 'timeout' || failure.kind === 'network') return true;
	if (failure.kind !== 'http' || failure.status === undefined) return false;
	if (failure.status === 429) return failure.error !== 'resource_limited';
	return failure.status === 500 || failure.status === 502 || failure.status === 503 || failure.status === 504;
}

/** Whether the service may have acted on the request although no answer arrived. */
export function isUncertain(failure: AgoraFailure): boolean {
	if (failure.kind === 'timeout') return true;
	return failure.kind === 'network' && failure.code !== 'ECONNREFUSED' && failure.code !== 'ENOTFOUND' && failure.code !== 'EAI_AGAIN';
}

function quoted(value: string | undefined): string {
	return value === undefined ? '' : `"${value}"`;
}

function describeHttp(failure: AgoraFailure, context: FailureContext): string {
	const { status, error } = failure;
	const group = quoted(context.groupId);
	const retried = context.attempts && context.attempts > 1 ? ` The node tried ${context.attempts} times.` : '';
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
	if (status === 403 && context.operation === 'update') {
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
	const retried = context.attempts && context.attempts > 1 ? ` The node tried ${context.attempts} times.` : '';
	if (failure.kind === 'timeout') {
		return `No answer arrived within the Timeout set in the node's Request Options.${retried} Raise the Timeout or try again later.`;
	}
	if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') {
		return 'Check the Host in the credential: it is the REST API domain shown in the Agora Console, e.g. a41.chat.agora.io.';
	}
	return `Check the Host in the credential and your network.${retried}`;
}

/** The error a user sees: the service's own words first, then what to check. */
export function toNodeError(node: INode, failure: AgoraFailure, context: FailureContext, itemIndex: number): NodeApiError | NodeOperationError {
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
