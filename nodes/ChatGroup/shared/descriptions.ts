import type { INodeProperties } from 'n8n-workflow';

/** URL path expressions: ids travel as one encoded path segment whatever they contain. */
const encodedGroupId = '{{ encodeURIComponent(String($parameter.groupId).trim()) }}';
const encodedFileId = '{{ encodeURIComponent(String($parameter.fileId).trim()) }}';

export const announcementPath = `=/chatgroups/${encodedGroupId}/announcement`;
export const sharedFilesPath = `=/chatgroups/${encodedGroupId}/share_files`;
export const sharedFilePath = `=/chatgroups/${encodedGroupId}/share_files/${encodedFileId}`;

export const groupIdField: INodeProperties = {
	displayName: 'Group ID',
	name: 'groupId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 66021836783617',
	description: 'ID of the chat group, as the service gave it when the group was created',
};

export function fileIdField(operation: string): INodeProperties {
	return {
		displayName: 'File ID',
		name: 'fileId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. c6906aa0-ed19-11ea-b480-f3cf141d15c0',
		description: 'ID of the shared file (the file_id that Get Many and Upload return)',
		displayOptions: { show: { resource: ['sharedFile'], operation: [operation] } },
	};
}
