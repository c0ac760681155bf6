import type { IExecuteSingleFunctions, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

import { FILE_URL_MODE, SHARED_FILE_URL_PATTERN } from './identifiers';
import { readIdentifier } from './validation';

/**
 * Request paths. The group id is filled in by the request hook every operation goes through
 * (`itemRequest`), as one encoded path segment whatever it holds: a `{{ }}` expression here
 * would be evaluated for every item, about 1 ms each in n8n 2.x's default (vm) expression engine.
 */
const GROUP_ID_SEGMENT = '{groupId}';

export const announcementPath = `/chatgroups/${GROUP_ID_SEGMENT}/announcement`;
export const sharedFilesPath = `/chatgroups/${GROUP_ID_SEGMENT}/share_files`;
/** The File field's preSend appends the file id, read from whichever mode the user chose. */
export const sharedFilePath = `/chatgroups/${GROUP_ID_SEGMENT}/share_files/`;

/** The request's path with this item's group id in it (the locator's value, or an older workflow's plain string). */
export function withGroupInPath(context: IExecuteSingleFunctions, url: string | undefined): string | undefined {
	return url?.replace(GROUP_ID_SEGMENT, () => encodeURIComponent(readIdentifier(context, 'groupId')));
}

export const GROUP_SEARCH_METHOD = 'searchGroups';
export const FILE_SEARCH_METHOD = 'searchFiles';

/**
 * The Group picker: the app's groups, searchable, or an ID. One definition for every node
 * that addresses a group (the Chat Group node and its trigger).
 */
export function groupLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Group',
		name: 'groupId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The chat group: pick it from the app\'s groups, or enter its ID',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a group...',
				typeOptions: { searchListMethod: GROUP_SEARCH_METHOD, searchable: true, searchFilterRequired: false },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 66021836783617',
				hint: 'The group ID the service gave the group when it was created',
			},
		],
		...overrides,
	};
}

export const groupIdField: INodeProperties = groupLocator();

/** Builds the file's path from the File field, so that a `file_url` names the same file as its ID. */
async function appendFileId(this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	return { ...requestOptions, url: `${requestOptions.url}${encodeURIComponent(readIdentifier(this, 'fileId'))}` };
}

export function fileIdField(operation: string): INodeProperties {
	return {
		displayName: 'File',
		name: 'fileId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The shared file: pick it from the group\'s files, enter its ID, or paste its file_url',
		displayOptions: { show: { resource: ['sharedFile'], operation: [operation] } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a file...',
				typeOptions: { searchListMethod: FILE_SEARCH_METHOD, searchable: true, searchFilterRequired: false },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. c6906aa0-ed19-11ea-b480-f3cf141d15c0',
				hint: 'The file_id that Get Many and Upload return',
			},
			{
				displayName: 'By URL',
				name: FILE_URL_MODE,
				type: 'string',
				placeholder: 'e.g. https://a41.chat.agora.io/org/app/chatgroups/66021836783617/share_files/c6906aa0-…',
				hint: 'The file_url that Upload returns',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: SHARED_FILE_URL_PATTERN,
							errorMessage: 'Not a shared file URL: it ends in /chatgroups/{group ID}/share_files/{file ID}',
						},
					},
				],
			},
		],
		routing: { send: { preSend: [appendFileId] } },
	};
}
