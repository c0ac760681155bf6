import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteSingleFunctions } from 'n8n-workflow';

import { errorForItem } from './errors';
import { FILE_URL_MODE, fileIdOf, groupIdOf, identifierRefusal, identifierValue, parseSharedFileUrl } from './identifiers';
import type { IdentifierField } from './identifiers';
import { itemParameter } from './itemParameters';

/**
 * The error as this item reports it: a copy of `error` (which other items may share) with this
 * item's index, and, with several input items and without Continue On Fail, its label in the
 * message (n8n counts from 0). Under Continue On Fail the error item is paired with its input instead.
 */
export function nameItemInError<T extends Error>(context: IExecuteSingleFunctions, error: T): T {
	const itemIndex = context.getItemIndex();
	if (context.continueOnFail()) return errorForItem(error, itemIndex);
	const itemCount = context.getWorkflowDataProxy(itemIndex).$input.all().length;
	return errorForItem(error, itemIndex, itemCount > 1 ? ` [item ${itemIndex}]` : '');
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
	const value = itemParameter(context, name, '');
	return name === 'groupId' ? groupIdOf(value) : fileIdOf(value);
}

function requireIdentifier(context: IExecuteSingleFunctions, name: 'groupId' | 'fileId', field: IdentifierField): void {
	const refusal = identifierRefusal(readIdentifier(context, name), field);
	if (refusal) throw inputError(context, refusal.message, refusal.hint);
}

/**
 * Every operation needs a group; download and delete also a file. Ids that cannot be one URL
 * path segment (empty, ".", "..") never leave the node.
 */
export function requireIdentifiers(context: IExecuteSingleFunctions): void {
	requireIdentifier(context, 'groupId', 'Group ID');
	const operation = context.getNodeParameter('operation', '') as string;
	if (operation === 'download' || operation === 'delete') {
		requireFileOfGroup(context);
		requireIdentifier(context, 'fileId', 'File ID');
	}
}

/** A file_url must be a shared file URL, and of the chosen group: another group's file is refused. */
function requireFileOfGroup(context: IExecuteSingleFunctions): void {
	const { mode, text } = identifierValue(itemParameter(context, 'fileId', ''));
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
