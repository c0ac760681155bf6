import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteSingleFunctions, IHttpRequestOptions } from 'n8n-workflow';

/** A refusal before sending, shown to the user as it is (message and what to do). */
export function inputError(context: IExecuteSingleFunctions, message: string, description: string): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, {
		description,
		itemIndex: context.getItemIndex(),
	});
}

function readIdentifier(context: IExecuteSingleFunctions, name: string): string {
	const value = context.getNodeParameter(name, '') as unknown;
	return value === undefined || value === null ? '' : String(value).trim();
}

/** Every operation needs a group; download and delete also a file. Blank ids never leave the node. */
export async function requireIdentifiers(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	if (!readIdentifier(this, 'groupId')) {
		throw inputError(
			this,
			'The Group ID is empty',
			'Enter the ID of the chat group, or map it from a previous node with an expression. If it is mapped, check that the input item has a value for it.',
		);
	}
	const operation = this.getNodeParameter('operation', '') as string;
	if ((operation === 'download' || operation === 'delete') && !readIdentifier(this, 'fileId')) {
		throw inputError(
			this,
			'The File ID is empty',
			'Enter the ID of the shared file (file_id from Shared File > Get Many or Upload), or check the expression that maps it.',
		);
	}
	return requestOptions;
}
