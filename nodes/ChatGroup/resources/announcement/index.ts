import type { INodeProperties } from 'n8n-workflow';

import { getAnnouncementOperation } from './get';
import { updateAnnouncementFields, updateAnnouncementOperation } from './update';

export const announcementDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['announcement'] } },
		options: [getAnnouncementOperation, updateAnnouncementOperation],
		default: 'get',
	},
	...updateAnnouncementFields,
];
