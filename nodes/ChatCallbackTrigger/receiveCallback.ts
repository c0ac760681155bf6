/**
 * One callback as it arrives, answered within milliseconds and without any request of its own:
 * refused (400 malformed, 401 wrong signature or too old) before anything starts; answered 200
 * for every genuine one, also when it is a repeat or the workflow does not want it, since the
 * service counts any other answer as a failure (retries once, then drops it, and suspends a
 * rule that fails often).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { readCallback } from './callbackFormats';
import { parseGroupIds, selectedItems } from './filters';
import { isFirstDelivery } from './recentCallIds';
import { hasValidSignature, isOutsideMaxAge } from './signature';

export const CALLBACK_CREDENTIAL_TYPE = 'agoraChatCallbackApi';
export const DEFAULT_MAX_AGE_MINUTES = 15;

/** The parsed JSON body; n8n leaves a body it did not parse as JSON in `rawBody`. */
function bodyOf(context: IWebhookFunctions): unknown {
	const body = context.getBodyData() as unknown;
	if (body && typeof body === 'object' && Object.keys(body).length > 0) return body;
	const raw = (context.getRequestObject() as { rawBody?: unknown }).rawBody;
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

function maxAgeMinutes(context: IWebhookFunctions): number {
	const value = Number(context.getNodeParameter('options.maxAgeMinutes', DEFAULT_MAX_AGE_MINUTES));
	return Number.isFinite(value) && value >= 0 ? value : DEFAULT_MAX_AGE_MINUTES;
}

export async function receiveCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const reading = readCallback(bodyOf(context));
	if (!reading.ok) return refuse(context, 400, `Not an Agora Chat callback: ${reading.problem}`);
	const { callback } = reading;

	const { secret } = await context.getCredentials(CALLBACK_CREDENTIAL_TYPE);
	// An empty secret would let anyone sign: never accept a callback with one.
	if (typeof secret !== 'string' || secret === '') {
		return refuse(context, 401, 'The Agora Chat Callback credential has no secret');
	}
	if (!hasValidSignature(callback, secret)) {
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
	return { workflowData: [items] };
}
