import type { IExecuteSingleFunctions, INodeProperties } from 'n8n-workflow';

import { FILE_URL_MODE, pathSegment, SHARED_FILE_URL_PATTERN } from './identifiers';
import { readIdentifier } from './validation';

/**
 * Request paths of the declarative operations. The ids are filled in by the request hook every
 * operation goes through (`itemRequest`), each as one encoded path segment whatever it holds
 * (see `pathSegment`): a `{{ }}` expression here would be evaluated for every item, about 1 ms
 * each in n8n 2.x's default (vm) expression engine, and could not refuse "." or "..".
 */
const GROUP_ID_SEGMENT = '{groupId}';
const FILE_ID_SEGMENT = '{fileId}';

export const announcementRoute = `/chatgroups/${GROUP_ID_SEGMENT}/announcement`;
export const sharedFilesRoute = `/chatgroups/${GROUP_ID_SEGMENT}/share_files`;
export const sharedFileRoute = `/chatgroups/${GROUP_ID_SEGMENT}/share_files/${FILE_ID_SEGMENT}`;

/** The route with this item's group and file ids in it (from whichever locator mode, or an older workflow's plain string). */
export function withIdsInPath(context: IExecuteSingleFunctions, url: string | undefined): string | undefined {
	return url
		?.replace(GROUP_ID_SEGMENT, () => pathSegment(readIdentifier(context, 'groupId'), 'Group ID'))
		.replace(FILE_ID_SEGMENT, () => pathSegment(readIdentifier(context, 'fileId'), 'File ID'));
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

/**
 * The File field, one for every operation that names a file: n8n evaluates a mapped File once for
 * every property of that name, for every item, whichever operation shows it.
 */
export function fileIdField(operations: string[]): INodeProperties {
	return {
		displayName: 'File',
		name: 'fileId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The shared file: pick it from the group\'s files, enter its ID, or paste its file_url',
		displayOptions: { show: { resource: ['sharedFile'], operation: operations } },
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
	};
}

/**
 * File Name, for Upload (the name to store the file under) and Download (the output file's name):
 * one option of the one Options collection.
 */
export const fileNameOption: INodeProperties = {
	displayName: 'File Name',
	name: 'fileName',
	type: 'string',
	default: '',
	placeholder: 'e.g. {{ $json.file_name }}',
	description:
		'Upload: the name to store the file under, instead of the name the binary data carries. Download: the name of the output file; left empty, the name comes from the service, else from the group\'s file list (read once per run; after Get Many of the same group it costs nothing, so leave it empty there).',
	displayOptions: { show: { '/operation': ['upload', 'download'] } },
};

/**
 * The Options of every operation, as ONE collection, each option shown for its operations: n8n
 * evaluates a parameter once for every property of that name (twice in n8n 2.x), for every item,
 * whichever operation shows it, so three Options collections made it evaluate a mapped File Name
 * six times per item.
 */
export function operationOptions(options: INodeProperties[]): INodeProperties {
	const operations = [...new Set(options.flatMap((option) => (option.displayOptions?.show?.['/operation'] ?? []) as string[]))];
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { operation: operations } },
		options: [...options].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}
