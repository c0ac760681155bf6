import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IHttpRequestOptions, ILoadOptionsFunctions } from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../../../agora/appUrl';
import { describeFailure, toNodeError } from '../../shared/errors';
import { CREDENTIAL_TYPE } from '../../shared/transport';

const LOOK_UP_TIMEOUT_MS = 10_000;

/**
 * A JSON GET against the app for the editor's lists. A failure becomes one message that says
 * what to fix, since the editor shows only the message under the list.
 */
export async function getFromApp(
	context: ILoadOptionsFunctions,
	what: string,
	url: string,
	qs: IDataObject,
	groupId?: string,
): Promise<IDataObject> {
	try {
		const credentials = await context.getCredentials(CREDENTIAL_TYPE);
		const options: IHttpRequestOptions = {
			method: 'GET',
			baseURL: agoraAppUrl(parseAgoraApp(credentials)),
			url,
			qs,
			json: true,
			timeout: LOOK_UP_TIMEOUT_MS,
			headers: { Accept: 'application/json' },
		};
		return (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options)) as IDataObject;
	} catch (error) {
		const failure = describeFailure(error);
		const nodeError = toNodeError(context.getNode(), failure, { resource: 'list', operation: 'list', groupId }, 0);
		const fix = nodeError.description ? ` ${nodeError.description}` : '';
		throw new NodeOperationError(context.getNode(), `Could not load ${what}: ${nodeError.message}.${fix}`, {
			description: nodeError.description ?? undefined,
		});
	}
}
