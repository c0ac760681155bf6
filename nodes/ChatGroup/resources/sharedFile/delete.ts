import type {
	IDataObject,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { fileIdField, sharedFilePath } from '../../shared/descriptions';
import { envelopeData, pairedWith } from '../../shared/transport';

async function toDeleteResult(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	return [pairedWith(this, (envelopeData(response.body) ?? {}) as IDataObject)];
}

export const deleteSharedFileOperation: INodePropertyOptions = {
	name: 'Delete',
	value: 'delete',
	action: 'Delete a shared file of a group',
	description: 'Delete a shared file from a chat group',
	routing: {
		request: { method: 'DELETE', url: sharedFilePath },
		send: { paginate: true },
		output: { postReceive: [toDeleteResult] },
	},
};

export const deleteSharedFileFields: INodeProperties[] = [fileIdField('delete')];
