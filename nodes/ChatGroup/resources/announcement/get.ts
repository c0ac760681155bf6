import type { IExecuteSingleFunctions, IN8nHttpFullResponse, INodeExecutionData, INodePropertyOptions } from 'n8n-workflow';

import { announcementPath } from '../../shared/descriptions';
import { envelopeData, pairedWith } from '../../shared/transport';

async function toAnnouncement(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const data = (envelopeData(response.body) ?? {}) as { announcement?: unknown };
	return [
		pairedWith(this, {
			groupId: String(this.getNodeParameter('groupId')).trim(),
			announcement: typeof data.announcement === 'string' ? data.announcement : '',
		}),
	];
}

export const getAnnouncementOperation: INodePropertyOptions = {
	name: 'Get',
	value: 'get',
	action: 'Get the announcement of a group',
	description: 'Get the announcement of a chat group',
	routing: {
		request: { method: 'GET', url: announcementPath },
		send: { paginate: true },
		output: { postReceive: [toAnnouncement] },
	},
};
