import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { agoraJson } from '../../shared/appRequest';
import { announcementRoute } from '../../shared/descriptions';
import { groupScope, inOrder } from '../../shared/executionOrder';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/itemHook';
import { itemParameter } from '../../shared/itemParameters';
import { announcementPath } from '../../shared/paths';
import { inputError, readIdentifier } from '../../shared/validation';

/**
 * The service allows 512 characters and runs on Java, whose String length counts UTF-16
 * code units (so does Agora's Java SDK check); an emoji outside the BMP counts as two.
 * Counting the same way means the node never sends text the service would refuse.
 */
export const MAX_ANNOUNCEMENT_LENGTH = 512;

/**
 * Checked in the item's request hook, not in a preSend: n8n runs preSends outside it, where a
 * refusal would stop an AI Agent's execution instead of answering its model (shared/toolUse.ts).
 */
function requireValidAnnouncement(context: IExecuteSingleFunctions): void {
	const announcement = itemParameter(context, 'announcement', '');
	if (typeof announcement !== 'string') {
		throw inputError(context, 'The Announcement must be text', 'Map a text value to Announcement.');
	}
	if (announcement.length > MAX_ANNOUNCEMENT_LENGTH) {
		throw inputError(
			context,
			`The Announcement is ${announcement.length} characters long; Agora Chat accepts at most ${MAX_ANNOUNCEMENT_LENGTH}`,
			'Shorten the text. Characters are counted as the service counts them (UTF-16 code units): most emoji count as 2.',
		);
	}
}

/**
 * Per execution and group, the announcement as this execution last saw it (read, or written by an
 * earlier item), so that each item of the run compares with what the one before it left. Bounded.
 */
const MAX_KNOWN_ANNOUNCEMENTS = 1000;
const knownAnnouncements = new Map<string, string>();

function remember(scope: string, text: string | undefined): void {
	knownAnnouncements.delete(scope);
	if (text === undefined) return;
	knownAnnouncements.set(scope, text);
	while (knownAnnouncements.size > MAX_KNOWN_ANNOUNCEMENTS) knownAnnouncements.delete(knownAnnouncements.keys().next().value as string);
}

/**
 * With Only If Changed the announcement is read first, and an equal text is not written again
 * (a daily schedule then writes only when the text changed). Items of one run for the same group
 * are compared and written in item order, each with the text the item before it left: the group
 * is read once per run.
 */
async function updateAnnouncement(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	requireValidAnnouncement(this);
	const { onlyIfChanged } = itemParameter(this, 'options', {}) as { onlyIfChanged?: boolean };
	const groupId = readIdentifier(this, 'groupId');
	const text = itemParameter(this, 'announcement', '') as string;
	const { key: scope } = await groupScope(this, groupId);
	const write = async () => {
		// Unknown until the write is answered: a failed one may or may not have changed the text.
		remember(scope, undefined);
		const items = await withRetries(this, async () => await this.makeRoutingRequest(requestData));
		remember(scope, text);
		return items;
	};
	if (!onlyIfChanged) return await write();
	return await inOrder(`${scope}\nannouncement`, async () => {
		let current = knownAnnouncements.get(scope);
		if (current === undefined) {
			const answer = await agoraJson(this, { method: 'GET', url: announcementPath(groupId), groupId, operation: 'get' });
			const read = (answer?.data as IDataObject | undefined)?.announcement;
			current = typeof read === 'string' ? read : '';
			remember(scope, current);
		}
		if (current === text) return [pairedWith(this, { groupId, result: true, changed: false })];
		const items = await write();
		return items.map((item) => ({ ...item, json: { ...item.json, changed: true } }));
	});
}

export const updateAnnouncementOperation: INodePropertyOptions = {
	name: 'Update',
	value: 'update',
	action: "Overwrite a group's announcement by group ID",
	description: 'Replace the announcement of a chat group: the previous text is overwritten, not kept',
	routing: {
		request: { method: 'POST', url: announcementRoute },
		send: { paginate: true },
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
];

/** Update's entries of the node's one Options collection (see operationOptions in shared/descriptions.ts). */
export const updateAnnouncementOptions: INodeProperties[] = [
	{
		displayName: 'Only If Changed',
		name: 'onlyIfChanged',
		type: 'boolean',
		default: false,
		description:
			'Whether to read the announcement first and write only when the text differs. The output then says whether it changed (changed: true or false).',
		displayOptions: { show: { '/operation': ['update'] } },
	},
];
