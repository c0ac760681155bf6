/**
 * Which of a genuine callback's events reach the workflow (the `events` and `groupIds`
 * options), as the trigger's output items: one per event, one per file when a callback lists
 * several, each with the callback as received.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { GroupEvent, ReadCallback } from './callbackFormats';

/** The `events` value that lets every genuine callback through, messages included. */
export const ANY_CALLBACK = 'anyCallback';

export interface CallbackSelection {
	events: ReadonlySet<string>;
	/** Only callbacks about these groups; none: every group. */
	groupIds?: ReadonlySet<string>;
}

/** Group IDs as typed: separated by commas, spaces or new lines. */
export function parseGroupIds(value: unknown): ReadonlySet<string> | undefined {
	const values = Array.isArray(value) ? value : [value];
	const ids = values.flatMap((entry) => (typeof entry === 'string' || typeof entry === 'number' ? String(entry).split(/[\s,;]+/) : [])).filter(Boolean);
	return ids.length > 0 ? new Set(ids) : undefined;
}

function itemOf(callback: ReadCallback, event: string, details: Omit<GroupEvent, 'event'> = {}): INodeExecutionData {
	const json: IDataObject = {
		event,
		groupId: callback.groupId ?? null,
		operator: callback.operator ?? null,
		timestamp: callback.timestamp,
		callId: callback.callId,
	};
	if (details.announcement !== undefined) json.announcement = details.announcement;
	if (details.file) json.file = { ...details.file };
	json.callback = callback.body;
	return { json };
}

/** The items a callback starts the workflow with; none when it is filtered out. */
export function selectedItems(callback: ReadCallback, selection: CallbackSelection): INodeExecutionData[] {
	if (selection.groupIds && !(callback.groupId !== undefined && selection.groupIds.has(callback.groupId))) return [];
	const anyCallback = selection.events.has(ANY_CALLBACK);
	if (callback.events.length === 0) return anyCallback ? [itemOf(callback, ANY_CALLBACK)] : [];
	return callback.events
		.filter(({ event }) => anyCallback || selection.events.has(event))
		.map(({ event, ...details }) => itemOf(callback, event, details));
}
