/**
 * What n8n runs when the workflow is activated (or listens for a test event) and deactivated.
 * Callback rules exist only in the Agora / Easemob console (the service has no API to create
 * them), so nothing is registered anywhere: activation checks the trigger's own settings, so
 * that a trigger that could never accept a callback (or never download its file) is not
 * activated in silence, and deactivation has nothing to remove.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IHookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../ChatGroup/shared/agoraApp';
import { CALLBACK_CREDENTIAL_TYPE } from './receiveCallback';
import { secretProblem } from './secretCheck';

export async function checkTriggerSettings(this: IHookFunctions): Promise<boolean> {
	const credentials = await this.getCredentials(CALLBACK_CREDENTIAL_TYPE);
	const problem = secretProblem(credentials.secret);
	if (problem) {
		throw new NodeOperationError(this.getNode(), `Agora Chat Callback credential: ${problem}`, {
			description: 'Enter the secret the console shows for the callback rule (each rule has its own).',
		});
	}
	const events = this.getNodeParameter('events', []) as string[];
	if (events.length === 0) {
		throw new NodeOperationError(this.getNode(), 'No event is chosen', { description: 'Choose at least one event under Events.' });
	}
	if (this.getNodeParameter('options.downloadFiles', false) === true) {
		await this.getCredentials(CREDENTIAL_TYPE).catch(() => {
			throw new NodeOperationError(this.getNode(), 'Download Files needs an Agora Chat API credential', {
				description: 'Choose the Agora Chat API credential of the app (the one the Agora Chat Group node uses), or turn Download Files off.',
			});
		});
	}
	return true;
}
