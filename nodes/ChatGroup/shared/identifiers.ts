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
