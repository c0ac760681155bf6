import { NodeOperationError } from 'n8n-workflow';
import type { INode } from 'n8n-workflow';

/**
 * Group and file ids as parameters hold them: a plain string or number (workflows saved before
 * the pickers, mapped values) or a resource locator value `{ __rl, mode, value }`. In the
 * File's `url` mode the value is a `file_url` as Upload returns it.
 */

export const FILE_URL_MODE = 'url';

/**
 * `…/chatgroups/{group_id}/share_files/{file_id}` in either address form
 * (`/{org}/{app}/…` or `/app-id/{app_id}/…`); the two ids stay percent-encoded.
 */
export const SHARED_FILE_URL_PATTERN = '^https?:\\/\\/[^/?#]+(?:\\/[^/?#]+){2}\\/chatgroups\\/([^/?#]+)\\/share_files\\/([^/?#]+)\\/?(?:[?#].*)?$';

export interface SharedFileAddress {
	groupId: string;
	fileId: string;
}

function decodeSegment(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** The group and file a `file_url` points at, or undefined when it is not such a URL. */
export function parseSharedFileUrl(url: string): SharedFileAddress | undefined {
	const match = new RegExp(SHARED_FILE_URL_PATTERN, 'i').exec(url.trim());
	return match ? { groupId: decodeSegment(match[1]), fileId: decodeSegment(match[2]) } : undefined;
}

export interface IdentifierValue {
	mode: string;
	/** Trimmed text as entered: an id, or a URL in `url` mode. */
	text: string;
}

function isLocatorValue(value: unknown): value is { mode?: unknown; value?: unknown } {
	return typeof value === 'object' && value !== null && '__rl' in value;
}

/** What a parameter holds, a plain value counting as mode `id`. */
export function identifierValue(raw: unknown): IdentifierValue {
	const locator = isLocatorValue(raw);
	const value = locator ? raw.value : raw;
	const text = value === undefined || value === null ? '' : String(value).trim();
	return { mode: locator && typeof raw.mode === 'string' ? raw.mode : 'id', text };
}

/** The group a parameter names. */
export function groupIdOf(raw: unknown): string {
	return identifierValue(raw).text;
}

/**
 * The file a parameter names: the id itself, or the file id inside a `file_url` (also one
 * mapped into the ID mode, as Upload's output invites); '' for a `url` mode value that is not one.
 */
export function fileIdOf(raw: unknown): string {
	const { mode, text } = identifierValue(raw);
	const address = parseSharedFileUrl(text);
	if (address) return address.fileId;
	return mode === FILE_URL_MODE ? '' : text;
}

export type IdentifierField = 'Group ID' | 'File ID';

/** A group or file id that cannot be one URL path segment, refused before anything is sent. */
export class AgoraIdentifierError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'AgoraIdentifierError';
	}
}

const ENTER_ID: Record<IdentifierField, string> = {
	'Group ID': 'Enter the ID of the chat group, or map it from a previous node with an expression. If it is mapped, check that the input item has a value for it.',
	'File ID': 'Enter the ID of the shared file (file_id from Shared File > Get Many or Upload), or check the expression that maps it.',
};

/** The id and what it becomes when decoded once, twice, ... (a server may decode more than once). */
function decodedForms(id: string): string[] {
	const forms = [id];
	for (let round = 0; round < 3; round++) {
		const decoded = decodeSegment(forms[forms.length - 1]);
		if (decoded === forms[forms.length - 1]) break;
		forms.push(decoded);
	}
	return forms;
}

function isDotSegment(text: string): boolean {
	return text === '.' || text === '..';
}

/**
 * Why an id cannot be sent as one path segment, or undefined when it can. "." and ".." (also
 * percent-encoded: `%2E` is a dot to a URL resolver) would leave the segment: a Delete with File ID
 * ".." would address `DELETE /chatgroups/{group}/`, the service's delete-the-group route.
 */
export function identifierRefusal(id: string, field: IdentifierField): { message: string; hint: string } | undefined {
	if (id === '') return { message: `The ${field} is empty`, hint: ENTER_ID[field] };
	if (decodedForms(id).some(isDotSegment)) {
		const what = field === 'Group ID' ? "the group's" : "the file's";
		return {
			message: `The ${field} "${id}" is not an ID`,
			hint: `"." and ".." (also written %2E) are not IDs: in a URL they mean "this folder" and "the folder above", so the request would go to another address than ${what} (a Delete with File ID ".." would address the whole group). ${ENTER_ID[field]}`,
		};
	}
	if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(id)) {
		return {
			message: `The ${field} cannot be sent: it contains a broken character (an unpaired UTF-16 surrogate)`,
			hint: `Check the data or expression that supplies the ${field}: the text was cut in the middle of a character.`,
		};
	}
	return undefined;
}

/**
 * THE way an id goes into a request path: one percent-encoded segment (`/`, `?`, `#`, `%` and
 * control characters encoded), or a refusal that names the field.
 */
export function pathSegment(id: string, field: IdentifierField): string {
	const refusal = identifierRefusal(id, field);
	if (refusal) throw new AgoraIdentifierError(refusal.message, refusal.hint);
	return encodeURIComponent(id);
}

/** The same refusal as a node error, for contexts that are not an operation's item (the trigger, pickers). */
export function checkIdentifier(node: INode, id: string, field: IdentifierField): void {
	const refusal = identifierRefusal(id, field);
	if (refusal) throw new NodeOperationError(node, refusal.message, { description: refusal.hint });
}

/** A path below the app (`/chatgroups/...`) must keep every segment it was built with. */
export function assertNoDotSegments(path: string): void {
	const segments = path.split(/[?#]/)[0].split('/');
	if (segments.some((segment) => decodedForms(segment).some(isDotSegment))) {
		throw new AgoraIdentifierError(
			'A request path contains "." or ".." as an ID',
			'"." and ".." are not IDs: in a URL they would send the request to another address. Check the Group and File IDs.',
		);
	}
}
