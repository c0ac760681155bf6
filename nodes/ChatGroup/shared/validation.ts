import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteSingleFunctions } from 'n8n-workflow';

import { FILE_URL_MODE, fileIdOf, groupIdOf, identifierValue, parseSharedFileUrl } from './identifiers';

/**
 * With several input items, the message of the error that stops the node says which one failed
 * (n8n counts from 0). Under Continue On Fail the error item is paired with its input instead.
 */
export function nameItemInError<T extends Error>(context: IExecuteSingleFunctions, error: T): T {
	if (context.continueOnFail()) return error;
	const itemIndex = context.getItemIndex();
	const itemCount = context.getWorkflowDataProxy(itemIndex).$input.all().length;
	const label = ` [item ${itemIndex}]`;
	if (itemCount > 1 && !error.message.endsWith(label)) error.message += label;
	return error;
}

/** A refusal before sending, shown to the user as it is (message and what to do). */
export function inputError(context: IExecuteSingleFunctions, message: string, description: string): NodeOperationError {
	return nameItemInError(
		context,
		new NodeOperationError(context.getNode(), message, { description, itemIndex: context.getItemIndex() }),
	);
}

/**
 * A group or file id as the user gave it, trimmed: a picked or entered locator value, a
 * file_url, or the plain string (or mapped number) of a workflow saved before the pickers.
 */
export function readIdentifier(context: IExecuteSingleFunctions, name: 'groupId' | 'fileId'): string {
	const value = context.getNodeParameter(name, '') as unknown;
	return name === 'groupId' ? groupIdOf(value) : fileIdOf(value);
}

/** Every operation needs a group; download and delete also a file. Blank ids never leave the node. */
export function requireIdentifiers(context: IExecuteSingleFunctions): void {
	if (!readIdentifier(context, 'groupId')) {
		throw inputError(
			context,
			'The Group ID is empty',
			'Enter the ID of the chat group, or map it from a previous node with an expression. If it is mapped, check that the input item has a value for it.',
		);
	}
	const operation = context.getNodeParameter('operation', '') as string;
	if (operation === 'download' || operation === 'delete') requireFileOfGroup(context);
	if ((operation === 'download' || operation === 'delete') && !readIdentifier(context, 'fileId')) {
		throw inputError(
			context,
			'The File ID is empty',
			'Enter the ID of the shared file (file_id from Shared File > Get Many or Upload), or check the expression that maps it.',
		);
	}
}

/** A file_url must be a shared file URL, and of the chosen group: another group's file is refused. */
function requireFileOfGroup(context: IExecuteSingleFunctions): void {
	const { mode, text } = identifierValue(context.getNodeParameter('fileId', ''));
	const address = parseSharedFileUrl(text);
	if (mode === FILE_URL_MODE && text && !address) {
		throw inputError(
			context,
			`The File URL "${text}" is not a shared file URL`,
			'Paste the file_url that Upload returns (it ends in /chatgroups/{group ID}/share_files/{file ID}), or pick the file from the list.',
		);
	}
	const groupId = readIdentifier(context, 'groupId');
	if (address && address.groupId !== groupId) {
		throw inputError(
			context,
			`The File URL belongs to group "${address.groupId}", not to the chosen group "${groupId}"`,
			`Choose group "${address.groupId}" as the Group, or pick a file of group "${groupId}" from the File list.`,
		);
	}
}
