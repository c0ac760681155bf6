import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { fileIdField, sharedFilePath } from '../../shared/descriptions';
import { describeFailure } from '../../shared/errors';
import { envelopeData, itemRequest, pairedWith, withRetries } from '../../shared/transport';

async function toDeleteResult(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	return [pairedWith(this, (envelopeData(response.body) ?? {}) as IDataObject)];
}

/**
 * A retry after a lost answer may find the file gone: the first attempt deleted it. That 404
 * is the success the user asked for, not an error.
 */
async function deleteOnce(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	let mayHaveDeleted = false;
	const deletedEarlier = () => [
		pairedWith(this, {
			group_id: String(this.getNodeParameter('groupId')).trim(),
			file_id: String(this.getNodeParameter('fileId')).trim(),
			result: true,
		}),
	];
	return await withRetries(
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
}

export const deleteSharedFileOperation: INodePropertyOptions = {
	name: 'Delete',
	value: 'delete',
	action: 'Delete a shared file of a group',
	description: 'Delete a shared file from a chat group',
	routing: {
		request: { method: 'DELETE', url: sharedFilePath },
		send: { paginate: true },
		operations: { pagination: itemRequest(deleteOnce) },
		output: { postReceive: [toDeleteResult] },
	},
};

export const deleteSharedFileFields: INodeProperties[] = [fileIdField('delete')];
