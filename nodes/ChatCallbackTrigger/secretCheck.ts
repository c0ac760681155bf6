/**
 * The callback rule's secret as far as n8n can check it: the service never sends it, so only a
 * callback signed with it proves it right. What can be checked here are copy-and-paste slips.
 */
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

/** What is wrong with a secret, or undefined. The console shows it; nothing but a signed callback can prove it right. */
export function secretProblem(secret: unknown): string | undefined {
	if (typeof secret !== 'string' || secret === '') return 'The secret is empty';
	if (secret.trim() !== secret) return 'The secret starts or ends with a space or line break; copy it again from the console';
	if ([...secret].some((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f)) return 'The secret contains a control character; copy it again from the console';
	return undefined;
}

/** The callback credential's test (the trigger's `testedBy`): checks the secret as far as n8n can. */
export async function testCallbackSecret(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
): Promise<INodeCredentialTestResult> {
	const problem = secretProblem(credential.data?.secret);
	if (problem) return { status: 'Error', message: problem };
	return {
		status: 'OK',
		message: 'The secret is well formed. Only the service can prove it is the rule\'s: a callback signed with another secret is answered 401 and starts nothing.',
	};
}
