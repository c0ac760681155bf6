import { NodeConnectionTypes } from 'n8n-workflow';
import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { searchFiles, searchGroups } from './methods/listSearch';
import { announcementDescription } from './resources/announcement';
import { updateAnnouncementOptions } from './resources/announcement/update';
import { sharedFileDescription } from './resources/sharedFile';
import { uploadSharedFileOptions } from './resources/sharedFile/upload';
import { fileNameOption, groupIdField, operationOptions } from './shared/descriptions';
import { retryOptions } from './shared/retryOptions';
import { CREDENTIAL_TYPE } from './shared/agoraApp';
import { sendWithRetries } from './shared/itemHook';

// Each resource's description starts with its Operation selector.
const [announcementOperation, ...announcementFields] = announcementDescription;
const [sharedFileOperation, ...sharedFileFields] = sharedFileDescription;

export class ChatGroup implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agora Chat Group',
		name: 'chatGroup',
		icon: { light: 'file:../../icons/agoraChat.svg', dark: 'file:../../icons/agoraChat.dark.svg' },
		group: ['transform'],
		// 1.1: as an AI tool, Get Many answers with at most Limit files (10 by default); see getAll.ts.
		version: [1, 1.1],
		subtitle:
			'={{ ({ get: "Get", update: "Update", getAll: "Get Many", upload: "Upload", download: "Download", delete: "Delete" })[$parameter.operation] + " " + ($parameter.resource === "sharedFile" ? "Shared File" : "Announcement") }}',
		description: 'Read and update a chat group\'s announcement, and manage its shared files, in Agora Chat or Easemob',
		defaults: { name: 'Agora Chat Group' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		// No baseURL here: the item hook sets the credential's app URL in code, not by an expression per item.
		// Every answer comes back as it is (status, headers, body) and is judged in shared/errors.ts.
		requestDefaults: {
			headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
			json: true,
			ignoreHttpStatusErrors: true,
		},
		// Every operation is sent through this hook (routing sets `paginate`): app URL, pacing, retries and errors live there.
		requestOperations: { pagination: sendWithRetries },
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Announcement', value: 'announcement' },
					{ name: 'Shared File', value: 'sharedFile' },
				],
				default: 'announcement',
			},
			// Group comes first after Operation, whichever resource is chosen.
			announcementOperation,
			sharedFileOperation,
			groupIdField,
			...announcementFields,
			...sharedFileFields,
			operationOptions([...updateAnnouncementOptions, ...uploadSharedFileOptions, fileNameOption]),
			retryOptions,
		],
	};

	methods = {
		listSearch: { searchGroups, searchFiles },
	};
}
