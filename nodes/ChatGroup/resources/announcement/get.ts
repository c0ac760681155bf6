import type { INodePropertyOptions } from 'n8n-workflow';

import { announcementRoute } from '../../shared/descriptions';
import { singleResult } from '../../shared/itemHook';
import { readIdentifier } from '../../shared/validation';

export const getAnnouncementOperation: INodePropertyOptions = {
	name: 'Get',
	value: 'get',
	action: "Get a group's announcement by group ID",
	description: 'Get the announcement of a chat group',
	routing: {
		request: { method: 'GET', url: announcementRoute },
		send: { paginate: true },
		output: {
			postReceive: [
				singleResult((data, context) => ({
					groupId: readIdentifier(context, 'groupId'),
					announcement: typeof data.announcement === 'string' ? data.announcement : '',
				})),
			],
		},
	},
};
