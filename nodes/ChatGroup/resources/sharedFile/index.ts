import type { INodeProperties } from 'n8n-workflow';

import { fileIdField } from '../../shared/descriptions';
import { deleteSharedFileOperation } from './delete';
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
	// One File field for both: n8n evaluates a mapped File once for every property of that name, for every item.
	fileIdField(['download', 'delete']),
	...downloadSharedFileFields,
];
