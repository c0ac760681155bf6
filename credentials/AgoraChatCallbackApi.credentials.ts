import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * The secret of one callback rule in the Agora or Easemob console; it never leaves n8n: the
 * service signs each callback with it (`md5(callId + secret + timestamp)`) and the Agora Chat
 * Callback Trigger checks that signature. There is nothing to call with it, so the credential's
 * test (the trigger's `credentialTest`, `testedBy`) checks what can be checked locally.
 */
export class AgoraChatCallbackApi implements ICredentialType {
	name = 'agoraChatCallbackApi';

	displayName = 'Agora Chat Callback API';

	icon: Icon = { light: 'file:../icons/agoraChat.svg', dark: 'file:../icons/agoraChat.dark.svg' };

	documentationUrl = 'https://github.com/agora-chat-n8n/n8n-nodes-agora-chat#callback-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The secret of the callback rule, as the console shows it in its list of rules (Easemob: Message Callback; Agora: Chat > Features > Callback). Each rule has its own secret.',
		},
	];
}
