/**
 * One callback as it arrives, answered within milliseconds and without any request of its own:
 * refused (400 malformed, 401 wrong signature or too old) before anything starts; answered 200
 * for every genuine one, also when it is a repeat or the workflow does not want it, since the
 * service counts any other answer as a failure (retries once, then drops it, and suspends a
 * rule that fails often).
 */
import type { INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { readCallback } from './callbackFormats';
import type { ReadCallback } from './callbackFormats';
import { parseGroupIds, selectedItems } from './filters';
import { isFirstDelivery } from './recentCallIds';
import { forgetSecret, rememberedSecret, rememberSecret } from './secretMemory';
import { hasValidSignature, isOutsideMaxAge } from './signature';

export const CALLBACK_CREDENTIAL_TYPE = 'agoraChatCallbackApi';
export const DEFAULT_MAX_AGE_MINUTES = 15;

/**
 * The parsed JSON body. n8n leaves a body it did not parse as JSON in `rawBody`; for a node above
 * version 1 it does not read a body of another content type at all, so read it here.
 */
async function bodyOf(context: IWebhookFunctions): Promise<unknown> {
	const body = context.getBodyData() as unknown;
	if (body && typeof body === 'object' && Object.keys(body).length > 0) return body;
	const request = context.getRequestObject() as { rawBody?: unknown; readRawBody?: () => Promise<void> };
	if ((request.rawBody === undefined || request.rawBody === null) && typeof request.readRawBody === 'function') {
		await request.readRawBody().catch(() => undefined);
	}
	const raw = request.rawBody;
	if (raw === undefined || raw === null) return body;
	try {
		return JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)) as unknown;
	} catch {
		return body;
	}
}

/** Answers the request itself and starts nothing. Short bodies: the service reads at most 1,000 characters. */
function refuse(context: IWebhookFunctions, status: 400 | 401, error: string): IWebhookResponseData {
	context.logger.warn(`Agora Chat Callback Trigger refused a callback (HTTP ${status}): ${error}`, {
		workflowId: context.getWorkflow().id,
		node: context.getNode().name,
	});
	context.getResponseObject().status(status).json({ error });
	return { noWebhookResponse: true };
}

/** 200 without an execution. */
function acknowledge(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, started: false, reason } };
}

/**
 * 200, and the execution starts. Answered here, before n8n stores and starts the execution: left to
 * n8n, the answer waits for that, which under a burst took seconds (n8n 2.41.1, 100 callbacks/s)
 * while the service gives up after 10 s and counts a failure.
 */
function start(context: IWebhookFunctions, workflowData: INodeExecutionData[][]): IWebhookResponseData {
	context.getResponseObject().status(200).json({ received: true, started: true });
	return { workflowData, noWebhookResponse: true };
}

function maxAgeMinutes(context: IWebhookFunctions): number {
	const value = Number(context.getNodeParameter('options.maxAgeMinutes', DEFAULT_MAX_AGE_MINUTES));
	return Number.isFinite(value) && value >= 0 ? value : DEFAULT_MAX_AGE_MINUTES;
}

/**
 * Checks the signature against the remembered secret, and on a mismatch against the credential
 * as it is now (see secretMemory.ts). An empty secret would let anyone sign: it never matches.
 */
async function checkSignature(context: IWebhookFunctions, callback: ReadCallback): Promise<'valid' | 'mismatch' | 'noSecret'> {
	const node = context.getNode();
	const key = `${context.getWorkflow().id ?? ''}\n${node.id ?? node.name}\n${node.credentials?.[CALLBACK_CREDENTIAL_TYPE]?.id ?? ''}`;
	const now = Date.now();
	const remembered = rememberedSecret(key, now);
	if (remembered !== undefined && hasValidSignature(callback, remembered)) return 'valid';
	const { secret } = await context.getCredentials(CALLBACK_CREDENTIAL_TYPE);
	if (typeof secret !== 'string' || secret === '') {
		forgetSecret(key);
		return 'noSecret';
	}
	rememberSecret(key, secret, now);
	return hasValidSignature(callback, secret) ? 'valid' : 'mismatch';
}

export async function receiveCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const reading = readCallback(await bodyOf(context));
	if (!reading.ok) return refuse(context, 400, `Not an Agora Chat callback: ${reading.problem}`);
	const { callback } = reading;

	const verdict = await checkSignature(context, callback);
	if (verdict === 'noSecret') return refuse(context, 401, 'The Agora Chat Callback credential has no secret');
	if (verdict === 'mismatch') {
		return refuse(context, 401, 'Signature does not match: check the secret in the Agora Chat Callback credential against the callback rule');
	}
	const now = Date.now();
	const maxAge = maxAgeMinutes(context);
	if (isOutsideMaxAge(callback, maxAge, now)) {
		return refuse(context, 401, `Timestamp is more than ${maxAge} minutes away from this server's clock (Max Age)`);
	}

	const scope = `${context.getWorkflow().id ?? ''}\n${context.getNode().id ?? context.getNode().name}`;
	const forgetAfter = maxAge > 0 ? callback.timestamp + maxAge * 60_000 : Number.POSITIVE_INFINITY;
	if (!isFirstDelivery(scope, callback.callId, forgetAfter, now)) return acknowledge('duplicate callId');

	const events = new Set(context.getNodeParameter('events', []) as string[]);
	const groupIds = parseGroupIds(context.getNodeParameter('options.groupIds', ''));
	const items = selectedItems(callback, { events, groupIds });
	if (items.length === 0) return acknowledge('not among the Events and Group IDs the trigger watches');
	return start(context, [items]);
}
