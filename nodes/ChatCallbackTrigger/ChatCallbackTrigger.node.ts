import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	IHookFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { checkTriggerSettings } from './activation';
import { withDownloadedFiles } from './downloadFiles';
import { ANY_CALLBACK } from './filters';
import { DEFAULT_MAX_AGE_MINUTES, receiveCallback } from './receiveCallback';
import { testCallbackSecret } from './secretCheck';

export class ChatCallbackTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Agora Chat Callback Trigger',
		name: 'chatCallbackTrigger',
		icon: { light: 'file:../../icons/agoraChat.svg', dark: 'file:../../icons/agoraChat.dark.svg' },
		group: ['trigger'],
		// 1.1 only for n8n's sake: for a webhook node of version 1 n8n evaluates an expression (`options.binaryData`) on
		// every call, which costs an expression isolate under N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE; the node is the same.
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		description: 'Starts the workflow when Agora Chat or Easemob sends a signed callback for a group: announcement updated or deleted, file shared or removed',
		defaults: { name: 'Agora Chat Callback Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'agoraChatCallbackApi', required: true, testedBy: 'agoraChatCallbackSecret' },
			{ name: 'agoraChatApi', required: false, displayOptions: { show: { 'options.downloadFiles': [true] } } },
		],
		// responseData '' lets n8n answer with the node's webhookResponse (its default would be the text "firstEntryJson").
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'webhook' }],
		eventTriggerDescription: 'Waiting for a callback to the Test URL: register it in a callback rule, then change something in a group',
		activationMessage: 'Callbacks sent to the Production URL now start this workflow.',
		properties: [
			{
				displayName:
					'Register this node\'s Production URL as the URL of a callback rule in the Agora or Easemob console (group events), and enter the rule\'s secret in the credential. See the package README.',
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: [],
				options: [
					{ name: 'Announcement Deleted', value: 'announcementDeleted', description: 'The group announcement was deleted' },
					{ name: 'Announcement Updated', value: 'announcementUpdated', description: 'The group announcement was set; the item carries the new text' },
					{ name: 'Any Callback', value: ANY_CALLBACK, description: 'Every genuine callback of the rule, messages included, as the service sent it' },
					{ name: 'File Removed', value: 'fileRemoved', description: 'A shared file was deleted from the group: one item per file' },
					{ name: 'File Shared', value: 'fileShared', description: 'A file was shared in the group: one item per file' },
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Download Files',
						name: 'downloadFiles',
						type: 'boolean',
						default: false,
						description:
							'Whether each File Shared item also carries the file as binary data in "data", named as the Download operation names it. Needs the Agora Chat API credential. The file is fetched in the execution, after the callback has been answered.',
					},
					{
						displayName: 'Group IDs',
						name: 'groupIds',
						type: 'string',
						default: '',
						placeholder: 'e.g. 66021836783617, 66021836783618',
						description: 'Only callbacks about these groups (IDs separated by commas). Empty: all groups of the app.',
					},
					{
						displayName: 'Max Age (Minutes)',
						name: 'maxAgeMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_MAX_AGE_MINUTES,
						description:
							'Refuse (HTTP 401) callbacks whose timestamp is further than this from the n8n server\'s clock, so that a recorded callback cannot be replayed. 0 turns the check off.',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: { agoraChatCallbackSecret: testCallbackSecret },
	};

	webhookMethods = {
		default: {
			// Rules are made in the console only: n8n has nothing to register, it checks its own settings.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return false;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await checkTriggerSettings.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveCallback(this);
	}

	/** Runs in the execution the callback started (on a worker in queue mode): Download Files happens here. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await withDownloadedFiles(this);
	}
}
