import type { IDataObject, IN8nHttpFullResponse, IPollFunctions } from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../agora/appUrl';
import type { FailureContext } from '../ChatGroup/shared/errors';
import { agoraRequest, CREDENTIAL_TYPE, envelopeData } from '../ChatGroup/shared/transport';
import type { AgoraRequest } from '../ChatGroup/shared/transport';

/** The app's base URL, built from the credential as the node's requests build it. */
export async function appUrlOf(context: IPollFunctions): Promise<string> {
	return agoraAppUrl(parseAgoraApp(await context.getCredentials(CREDENTIAL_TYPE)));
}

/** One authenticated request, judged and retried as every request of the package is. */
export async function pollRequest(context: IPollFunctions, request: AgoraRequest, failureContext: FailureContext): Promise<IN8nHttpFullResponse> {
	return await agoraRequest(context, request, { about: failureContext });
}

const PAGE_SIZE = 1000;

/** All of a group's files, newest first: pages of 1,000 until a short page. */
export async function listGroupFiles(context: IPollFunctions, groupId: string): Promise<IDataObject[]> {
	const files: IDataObject[] = [];
	for (let pageNumber = 1; ; pageNumber++) {
		const response = await pollRequest(
			context,
			{
				method: 'GET',
				url: `/chatgroups/${encodeURIComponent(groupId)}/share_files`,
				qs: { pagenum: pageNumber, pagesize: PAGE_SIZE },
				headers: { Accept: 'application/json' },
				json: true,
			},
			{ resource: 'sharedFile', operation: 'getAll', groupId },
		);
		const page = envelopeData(response.body);
		const entries = Array.isArray(page) ? (page as IDataObject[]) : [];
		files.push(...entries);
		if (entries.length < PAGE_SIZE) return files;
	}
}
