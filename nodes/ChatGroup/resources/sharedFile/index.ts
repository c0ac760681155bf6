import type { INodeProperties } from 'n8n-workflow';

import { deleteSharedFileFields, deleteSharedFileOperation } from './delete';
import { downloadSharedFileFields, downloadSharedFileOperation } from './download';
import { getManySharedFilesFields, getManySharedFilesOperation } from './getAll';
import { uploadSharedFileFields, uploadSharedFileOperation } from './upload';

export const sharedFileDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['sharedFile'] } },
		options: [deleteSharedFileOperation, downloadSharedFileOperation, getManySharedFilesOperation, uploadSharedFileOperation],
		default: 'getAll',
	},
	...getManySharedFilesFields,
	...uploadSharedFileFields,
	...downloadSharedFileFields,
	...deleteSharedFileFields,
];
