import type {
	DeclarativeRestApiSettings,
	IExecutePaginationFunctions,
	INodeExecutionData,
	INodePropertyOptions,
} from 'n8n-workflow';

import { sharedFileRoute } from '../../shared/descriptions';
import { describeFailure } from '../../shared/errors';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/itemHook';
import { recordDeletedFile } from '../../shared/sharedFileList';
import { readIdentifier } from '../../shared/validation';

/**
 * A retry after a lost answer may find the file gone: the first attempt deleted it. That 404
 * is the success the user asked for, not an error. The deletion is applied to the execution's
 * list of the group, so later items and nodes of the run no longer see the file.
 */
async function deleteOnce(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	let mayHaveDeleted = false;
	const deletedEarlier = () => [
		pairedWith(this, {
			group_id: readIdentifier(this, 'groupId'),
			file_id: readIdentifier(this, 'fileId'),
			result: true,
		}),
	];
	const deleted = await withRetries(
		this,
		async () =>
			await this.makeRoutingRequest(requestData).catch((error: Error) => {
				if (mayHaveDeleted && describeFailure(error).status === 404) return deletedEarlier();
				throw error;
			}),
		{
			recoverUncertain: async () => {
				mayHaveDeleted = true;
				return undefined;
			},
		},
	);
	await recordDeletedFile(this, readIdentifier(this, 'groupId'), readIdentifier(this, 'fileId'));
	return deleted;
}

export const deleteSharedFileOperation: INodePropertyOptions = {
	name: 'Delete',
	value: 'delete',
	action: 'Permanently delete a file (ID from Get Many)',
	description: 'Permanently delete a shared file from a chat group: it cannot be restored',
	routing: {
		request: { method: 'DELETE', url: sharedFileRoute },
		send: { paginate: true },
		operations: { pagination: itemRequest(deleteOnce) },
		output: { postReceive: [singleResult((data) => data)] },
	},
};
