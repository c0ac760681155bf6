import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';

import { searchGroups } from '../ChatGroup/methods/listSearch';
import { groupLocator } from '../ChatGroup/shared/descriptions';
import { checkIdentifier, groupIdOf } from '../ChatGroup/shared/identifiers';
import { CREDENTIAL_TYPE, resolveApp } from '../ChatGroup/shared/agoraApp';
import { pollAnnouncementChanged } from './events/announcementChanged';
import { pollNewSharedFiles } from './events/newSharedFile';
import { subjectKey } from './pollState';
import { pollTurnKey, takePollTurn } from './pollTurns';

export class ChatGroupTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agora Chat Group Trigger',
		name: 'chatGroupTrigger',
		icon: { light: 'file:../../icons/agoraChat.svg', dark: 'file:../../icons/agoraChat.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter.event === "announcementChanged" ? "Announcement Changed" : "New Shared File" }}',
		description: 'Starts the workflow when a file is shared in an Agora Chat or Easemob group, or when its announcement changes',
		defaults: { name: 'Agora Chat Group Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'New Shared File',
						value: 'newSharedFile',
						description: 'One item per file shared in the group since the last poll, with the fields Get Many returns',
					},
					{
						name: 'Announcement Changed',
						value: 'announcementChanged',
						description: 'One item when the group announcement differs from the last poll: group ID, announcement, previous',
					},
				],
				default: 'newSharedFile',
			},
			groupLocator(),
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: { show: { event: ['newSharedFile'] } },
				options: [
					{
						displayName: 'Download Files',
						name: 'downloadFiles',
						type: 'boolean',
						default: false,
						description: 'Whether each item also carries the file as binary data in the field "data", named and typed as the Download operation does. A file that cannot be downloaded comes without it, with an "error" field.',
					},
					{
						displayName: 'File Name',
						name: 'fileName',
						type: 'string',
						default: '',
						placeholder: 'e.g. *.pdf',
						description: 'Only files with this name (case-insensitive); * matches any run of characters',
					},
				],
			},
		],
	};

	methods = {
		listSearch: { searchGroups },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event', 'newSharedFile') as string;
		const groupId = groupIdOf(this.getNodeParameter('groupId', ''));
		if (!groupId) {
			throw new NodeOperationError(this.getNode(), 'No group is chosen', {
				description: 'Pick the chat group to watch from the list, or enter its ID.',
			});
		}
		checkIdentifier(this.getNode(), groupId, 'Group ID');
		const pollEvent = event === 'announcementChanged' ? pollAnnouncementChanged : pollNewSharedFiles;
		const target = async () => ({ groupId, subject: subjectKey((await resolveApp(this)).baseUrl, groupId) });
		if (this.getMode() === 'manual') return await pollEvent.call(this, await target());

		// One poll per workflow and trigger at a time: a tick that finds one running sends and emits nothing.
		const turn = takePollTurn(pollTurnKey(this.getWorkflow().id, this.getNode().id));
		if (!turn) return null;
		try {
			return await pollEvent.call(this, { ...(await target()), turn });
		} finally {
			turn.end();
		}
	}
}
