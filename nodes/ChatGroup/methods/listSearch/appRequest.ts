import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, ILoadOptionsFunctions } from 'n8n-workflow';

import { describeFailure, toNodeError } from '../../shared/errors';
import { agoraRequest, DEFAULT_RETRY_POLICY, RetryBudget } from '../../shared/transport';

const LOOK_UP_TIMEOUT_MS = 10_000;
/** Someone waits in front of the list: a short retry for a rate limit, no long backoff. */
const EDITOR_RETRY_POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 2, maxTotalWaitMs: 5_000 };

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
		const response = await agoraRequest(
			context,
			{ method: 'GET', url, qs, timeout: LOOK_UP_TIMEOUT_MS },
			{ budget: new RetryBudget(EDITOR_RETRY_POLICY), about: { resource: 'list', operation: 'list', groupId } },
		);
		return response.body as IDataObject;
	} catch (error) {
		const failure = describeFailure(error);
		const nodeError = toNodeError(context.getNode(), failure, { resource: 'list', operation: 'list', groupId }, 0);
		const fix = nodeError.description ? ` ${nodeError.description}` : '';
		throw new NodeOperationError(context.getNode(), `Could not load ${what}: ${nodeError.message}.${fix}`, {
			description: nodeError.description ?? undefined,
		});
	}
}
