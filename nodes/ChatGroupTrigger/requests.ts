import { sleep } from 'n8n-workflow';
import type { IDataObject, IHttpRequestOptions, IN8nHttpFullResponse, IPollFunctions } from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../agora/appUrl';
import { describeFailure, isRetryable, toNodeError } from '../ChatGroup/shared/errors';
import type { FailureContext } from '../ChatGroup/shared/errors';
import { CREDENTIAL_TYPE, DEFAULT_RETRY_POLICY, envelopeData, retryDelayMs } from '../ChatGroup/shared/transport';

/** The app's base URL, built from the credential as the node's requests build it. */
export async function appUrlOf(context: IPollFunctions): Promise<string> {
	return agoraAppUrl(parseAgoraApp(await context.getCredentials(CREDENTIAL_TYPE)));
}

/** One authenticated request, retried as every request of the package is. */
export async function pollRequest(
	context: IPollFunctions,
	request: Omit<IHttpRequestOptions, 'baseURL'>,
	failureContext: FailureContext,
): Promise<IN8nHttpFullResponse> {
	const options: IHttpRequestOptions = { ...request, baseURL: await appUrlOf(context), returnFullResponse: true };
	const policy = DEFAULT_RETRY_POLICY;
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		try {
			return (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options)) as IN8nHttpFullResponse;
		} catch (error) {
			const failure = describeFailure(error);
			const delayMs = retryDelayMs(policy, attempt, failure);
			if (!isRetryable(failure) || attempt > policy.maxRetries || waitedMs + delayMs > policy.maxTotalWaitMs) {
				throw toNodeError(context.getNode(), failure, { ...failureContext, attempts: attempt }, 0);
			}
			waitedMs += delayMs;
			await sleep(delayMs);
		}
	}
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
