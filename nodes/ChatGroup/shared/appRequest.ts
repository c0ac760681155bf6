import { sleep } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteFunctions,
	IExecuteSingleFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../../agora/appUrl';
import { describeFailure, isRetryable, toNodeError } from './errors';
import { CREDENTIAL_TYPE, DEFAULT_RETRY_POLICY, retryDelayMs, withRetries } from './transport';

/** Every n8n context that can send an authenticated request: an operation, the editor's pickers, a trigger's poll. */
export type AgoraContext = IExecuteSingleFunctions | IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface AgoraJsonRequest {
	method: IHttpRequestMethods;
	/** Path under the app, e.g. `/chatgroups/42/share_files`. */
	url: string;
	qs?: IDataObject;
	/** What the request is about, for the error the user sees. */
	groupId: string;
	fileId?: string;
}

/** `https://{host}/{org}/{app}`, from the credential: the same URL the declarative requests use. */
export async function appBaseUrl(context: AgoraContext): Promise<string> {
	return agoraAppUrl(parseAgoraApp(await context.getCredentials(CREDENTIAL_TYPE)));
}

function isItemContext(context: AgoraContext): context is IExecuteSingleFunctions {
	return typeof (context as IExecuteSingleFunctions).getItemIndex === 'function';
}

/**
 * A JSON call to the app from any context (the look-ups operations need besides their own
 * request): authenticated, retried and judged like every other call. Inside an item, the
 * item's retry budget applies; elsewhere (pickers, polls) the default one.
 */
export async function agoraJson(context: AgoraContext, request: AgoraJsonRequest): Promise<IDataObject> {
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL: await appBaseUrl(context),
		url: request.url,
		qs: request.qs,
		json: true,
		headers: { Accept: 'application/json' },
	};
	const send = async () =>
		(await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options)) as IDataObject;
	if (isItemContext(context)) return await withRetries(context, send);
	const policy = DEFAULT_RETRY_POLICY;
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		try {
			return await send();
		} catch (error) {
			const failure = describeFailure(error);
			const delayMs = retryDelayMs(policy, attempt, failure);
			if (!isRetryable(failure) || attempt > policy.maxRetries || waitedMs + delayMs > policy.maxTotalWaitMs) {
				const failureContext = { resource: 'sharedFile', operation: 'getAll', groupId: request.groupId, fileId: request.fileId, attempts: attempt };
				throw toNodeError(context.getNode(), failure, failureContext, 0);
			}
			waitedMs += delayMs;
			await sleep(delayMs);
		}
	}
}
