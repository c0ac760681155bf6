import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { agoraJson } from '../../shared/appRequest';
import { announcementPath } from '../../shared/descriptions';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/transport';
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

/**
 * With Only If Changed the announcement is read first, and an equal text is not written
 * again (a daily schedule then writes only when the text changed).
 */
async function updateAnnouncement(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const { onlyIfChanged } = this.getNodeParameter('options', {}) as { onlyIfChanged?: boolean };
	const groupId = readIdentifier(this, 'groupId');
	if (onlyIfChanged) {
		const current = await agoraJson(this, { method: 'GET', url: `/chatgroups/${encodeURIComponent(groupId)}/announcement`, groupId, operation: 'get' });
		const currentText = (current?.data as IDataObject | undefined)?.announcement ?? '';
		if (currentText === this.getNodeParameter('announcement', '')) return [pairedWith(this, { groupId, result: true, changed: false })];
	}
	const items = await withRetries(this, async () => await this.makeRoutingRequest(requestData));
	return onlyIfChanged ? items.map((item) => ({ ...item, json: { ...item.json, changed: true } })) : items;
}

export const updateAnnouncementOperation: INodePropertyOptions = {
	name: 'Update',
	value: 'update',
	action: 'Update the announcement of a group',
	description: 'Replace the announcement of a chat group',
	routing: {
		request: { method: 'POST', url: announcementPath },
		send: { paginate: true, preSend: [checkAnnouncementLength] },
		operations: { pagination: itemRequest(updateAnnouncement) },
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
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: ['announcement'], operation: ['update'] } },
		options: [
			{
				displayName: 'Only If Changed',
				name: 'onlyIfChanged',
				type: 'boolean',
				default: false,
				description:
					'Whether to read the announcement first and write only when the text differs. The output then says whether it changed (changed: true or false).',
			},
		],
	},
];
