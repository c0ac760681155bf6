import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions } from 'n8n-workflow';

/**
 * Runs a look-up for one of the editor's lists. The editor shows only an error's message under
 * the list, so a failure becomes one message: what could not load, the service's words, what to fix.
 */
export async function loadForList<T>(context: ILoadOptionsFunctions, what: string, load: () => Promise<T>): Promise<T> {
	try {
		return await load();
	} catch (error) {
		const { message, description } = error as { message: string; description?: string | null };
		const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
		const fix = description ? ` ${description}` : '';
		throw new NodeOperationError(context.getNode(), `Could not load ${what}: ${sentence}${fix}`, {
			description: description ?? undefined,
		});
	}
}
