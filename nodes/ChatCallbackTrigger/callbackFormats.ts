/**
 * The service's callbacks, in both of its formats, read into events. Nothing here throws on a
 * field it does not know: the service announces more sub-events to come, and a callback that
 * is not one of the four group events below is kept as it is (for Any Callback).
 *
 * - current (`"event": "group_op_event"`): `id`, `type`, `operation`, `operator`, `payload`;
 * - older (`"chat_type": "muc"`): `group_id`, `from`, `payload: {muc_id, reason, operation, …}`,
 *   where `reason` of `upload_file` is `{"data": {…}}` as an object or as an escaped JSON string.
 */
import type { IDataObject } from 'n8n-workflow';

/** The four group events the trigger knows (the `events` option's values, and `event` in its output). */
export type GroupEventName = 'announcementUpdated' | 'announcementDeleted' | 'fileShared' | 'fileRemoved';

export const GROUP_EVENT_NAMES: readonly GroupEventName[] = ['announcementUpdated', 'announcementDeleted', 'fileShared', 'fileRemoved'];

/** A shared file as a callback names it: the current format gives only its ID. */
export interface CallbackFile {
	file_id: string;
	file_name?: string;
	file_size?: number;
	file_owner?: string;
	created?: number;
}

export interface GroupEvent {
	event: GroupEventName;
	announcement?: string;
	file?: CallbackFile;
}

/** The fields every callback carries and its signature covers. */
export interface CallbackEnvelope {
	callId: string;
	security: string;
	/** ms since the epoch, the service's clock. */
	timestamp: number;
	/** The timestamp as sent (a number, or digits in a string): what the signature was made over. */
	timestampText: string;
}

export interface ReadCallback extends CallbackEnvelope {
	format: 'current' | 'legacy' | 'other';
	/** The group (or chat room) the callback is about, when it names one. */
	groupId?: string;
	/** Who acted: a user ID, or `@ppAdmin` for REST calls with an app token. */
	operator?: string;
	/** The group events it carries, one per file when it lists several; empty for anything else. */
	events: GroupEvent[];
	/** The callback as received. */
	body: IDataObject;
}

export type CallbackReading = { ok: true; callback: ReadCallback } | { ok: false; problem: string };

const isObject = (value: unknown): value is IDataObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

function nonEmptyText(value: unknown): string | undefined {
	const result = text(value);
	return result === undefined || result === '' ? undefined : result;
}

function finiteNumber(value: unknown): number | undefined {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** A timestamp as the service writes it: ms as a JSON number, or the same digits in a string. */
function timestampOf(value: unknown): { timestamp: number; timestampText: string } | undefined {
	if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { timestamp: value, timestampText: String(value) };
	if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return { timestamp: Number(value), timestampText: value };
	return undefined;
}

/** An announcement that is absent, null or empty means it was deleted. */
function announcementEvent(announcement: unknown): GroupEvent {
	const value = text(announcement);
	return value ? { event: 'announcementUpdated', announcement: value } : { event: 'announcementDeleted' };
}

function fileIdsOf(value: unknown): string[] {
	const values = Array.isArray(value) ? value : [value];
	return values.map(nonEmptyText).filter((fileId): fileId is string => fileId !== undefined);
}

/** `payload.type` and `operation` both decide, as the service's documentation asks receivers to check. */
function currentEvents(body: IDataObject): GroupEvent[] {
	const payload = isObject(body.payload) ? body.payload : {};
	const operation = text(body.operation)?.toUpperCase();
	const type = text(payload.type)?.toUpperCase();
	if (operation === 'UPDATE' && type === 'ANNOUNCEMENT') return [announcementEvent(payload.announcement)];
	// Removals are documented with `SHARE_FILE` in one table and `UPDATE` in another.
	if ((operation === 'SHARE_FILE' || operation === 'UPDATE') && (type === 'ADD' || type === 'REMOVE')) {
		const event: GroupEventName = type === 'ADD' ? 'fileShared' : 'fileRemoved';
		return fileIdsOf(payload.share_file).map((file_id) => ({ event, file: { file_id } }));
	}
	return [];
}

/** `reason` as an object, or as the same object in an escaped JSON string. */
function reasonObject(reason: unknown): IDataObject | undefined {
	if (isObject(reason)) return reason;
	if (typeof reason !== 'string' || !reason.trim().startsWith('{')) return undefined;
	try {
		const parsed = JSON.parse(reason) as unknown;
		return isObject(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

function fileOf(data: IDataObject): CallbackFile | undefined {
	const file_id = nonEmptyText(data.file_id);
	if (!file_id) return undefined;
	const file: CallbackFile = { file_id };
	const fileName = text(data.file_name);
	const fileSize = finiteNumber(data.file_size);
	const fileOwner = text(data.file_owner);
	const created = finiteNumber(data.created);
	if (fileName !== undefined) file.file_name = fileName;
	if (fileSize !== undefined) file.file_size = fileSize;
	if (fileOwner !== undefined) file.file_owner = fileOwner;
	if (created !== undefined) file.created = created;
	return file;
}

/** The file in an `upload_file` reason (`{"data": {file_id, …}}`, or the fields at the top). */
function uploadedFile(reason: unknown): CallbackFile | undefined {
	const object = reasonObject(reason);
	if (!object) return undefined;
	return fileOf(isObject(object.data) ? object.data : object);
}

/** `delete_file`'s reason is the file ID; a JSON reason like upload_file's is read too. */
function removedFileId(reason: unknown): string | undefined {
	return uploadedFile(reason)?.file_id ?? nonEmptyText(reason);
}

function legacyEvents(payload: IDataObject): GroupEvent[] {
	const operation = text(payload.operation)?.toLowerCase();
	switch (operation) {
		case 'update_announcement':
			return [announcementEvent(payload.reason)];
		case 'delete_announcement':
			return [{ event: 'announcementDeleted' }];
		case 'upload_file': {
			const file = uploadedFile(payload.reason);
			return file ? [{ event: 'fileShared', file }] : [];
		}
		case 'delete_file': {
			const file_id = removedFileId(payload.reason);
			return file_id ? [{ event: 'fileRemoved', file: { file_id } }] : [];
		}
		default:
			return [];
	}
}

/** `muc_id` is `{appkey}_{group id}@conference.…`. */
function groupIdFromMucId(mucId: unknown): string | undefined {
	const value = text(mucId);
	return value?.match(/_([^_@]+)@/)?.[1];
}

/**
 * Reads a callback body. Refuses only what cannot be checked: a body that is not a JSON object,
 * or one without `callId`, `security` and a millisecond `timestamp`.
 */
export function readCallback(body: unknown): CallbackReading {
	if (!isObject(body)) return { ok: false, problem: 'The body is not a JSON object' };
	const callId = nonEmptyText(body.callId);
	const security = nonEmptyText(body.security);
	const time = timestampOf(body.timestamp);
	const missing = [!callId && 'callId', !security && 'security', !time && 'timestamp'].filter(Boolean);
	if (!callId || !security || !time) return { ok: false, problem: `Missing or malformed ${missing.join(', ')}` };

	const envelope = { callId, security, ...time, body };
	if (text(body.event) === 'group_op_event') {
		return { ok: true, callback: { ...envelope, format: 'current', groupId: text(body.id), operator: text(body.operator), events: currentEvents(body) } };
	}
	const payload = isObject(body.payload) ? body.payload : undefined;
	if (text(body.chat_type) === 'muc' && payload) {
		const groupId = text(body.group_id) ?? groupIdFromMucId(payload.muc_id) ?? text(body.to);
		return { ok: true, callback: { ...envelope, format: 'legacy', groupId, operator: text(body.from), events: legacyEvents(payload) } };
	}
	// Anything else (messages, other events): group messages name the group in `to`.
	const groupId = text(body.group_id) ?? (text(body.chat_type) === 'groupchat' ? text(body.to) : undefined);
	return { ok: true, callback: { ...envelope, format: 'other', groupId, operator: text(body.from) ?? text(body.operator), events: [] } };
}
