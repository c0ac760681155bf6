import type { IExecuteSingleFunctions, IHttpRequestOptions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { announcementPath } from '../../shared/descriptions';
import { singleResult } from '../../shared/transport';
import { inputError, readIdentifier } from '../../shared/validation';

/**
 * The service allows 512 characters and runs on Java, whose String length counts UTF-16
 * code units (so does Agora's Java SDK check); an emoji outside the BMP counts as two.
 * Counting the same way means the node never sends text the service would refuse.
 */
export const MAX_ANNOUNCEMENT_LENGTH = 512;

async function checkAnnouncementLength(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const announcement = this.getNodeParameter('announcement', '') as unknown;
	if (typeof announcement !== 'string') {
		throw inputError(this, 'The Announcement must be text', 'Map a text value to Announcement.');
	}
	if (announcement.length > MAX_ANNOUNCEMENT_LENGTH) {
		throw inputError(
			this,
			`The Announcement is ${announcement.length} characters long; Agora Chat accepts at most ${MAX_ANNOUNCEMENT_LENGTH}`,
			'Shorten the text. Characters are counted as the service counts them (UTF-16 code units): most emoji count as 2.',
		);
	}
	return requestOptions;
}

export const updateAnnouncementOperation: INodePropertyOptions = {
	name: 'Update',
	value: 'update',
	action: 'Update the announcement of a group',
	description: 'Replace the announcement of a chat group',
	routing: {
		request: { method: 'POST', url: announcementPath },
		send: { paginate: true, preSend: [checkAnnouncementLength] },
		output: {
			postReceive: [singleResult((data, context) => ({ groupId: readIdentifier(context, 'groupId'), result: data.result === true }))],
		},
	},
};

export const updateAnnouncementFields: INodeProperties[] = [
	{
		displayName: 'Announcement',
		name: 'announcement',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		description: 'The new announcement text, at most 512 characters. An empty text clears the announcement.',
		displayOptions: { show: { resource: ['announcement'], operation: ['update'] } },
		routing: { send: { type: 'body', property: 'announcement' } },
	},
];
