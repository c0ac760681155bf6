import type { IDataObject, IHttpRequestMethods } from 'n8n-workflow';

import { resolveApp } from './agoraApp';
import type { AgoraContext } from './agoraApp';
import { agoraRequest } from './sendAndJudge';

export type { AgoraContext } from './agoraApp';

export interface AgoraJsonRequest {
	method: IHttpRequestMethods;
	/** Path under the app, built with shared/paths.ts, e.g. `/chatgroups/42/share_files`. */
	url: string;
	qs?: IDataObject;
	/** What the request is about, for the error the user sees. */
	groupId: string;
	fileId?: string;
	/** The operation whose words the error uses (default: listing files). */
	operation?: string;
	/** Called as each attempt leaves. */
	onSend?: () => void;
	/** Wait behind the items still waiting for their first turn (see pacingTurns.ts). */
	behindWaitingItems?: boolean;
}

/** `https://{host}/{org}/{app}`, from the credential: the same URL the declarative requests use. */
export async function appBaseUrl(context: AgoraContext): Promise<string> {
	return (await resolveApp(context)).baseUrl;
}

/**
 * A JSON call to the app from any context (the look-ups operations need besides their own
 * request), through the one request path (shared/sendAndJudge.ts agoraRequest). Inside an item,
 * the item's retry budget applies; elsewhere (pickers, polls) the default one.
 */
export async function agoraJson(context: AgoraContext, request: AgoraJsonRequest): Promise<IDataObject> {
	const response = await agoraRequest(
		context,
		{ method: request.method, url: request.url, qs: request.qs },
		{
			about: { resource: 'sharedFile', operation: request.operation ?? 'getAll', groupId: request.groupId, fileId: request.fileId },
			onSend: request.onSend,
			behindWaitingItems: request.behindWaitingItems,
		},
	);
	return response.body as IDataObject;
}
