import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { PollTurn } from './pollTurns';

/**
 * What the trigger remembers between polls, kept in n8n's workflow static data.
 *
 * n8n saves static data after activation and with every poll that emits items; a change made
 * by a poll that emits nothing lives only in that process's memory. So the state changes only
 * where losing the change is harmless: the first poll's record (saved by the activation), and
 * polls that emit (saved with their items). A poll that emits nothing and finds nothing new
 * leaves the state exactly as it was; one that fails leaves it untouched.
 *
 * n8n 2.41's durable scheduler (opt-in) keeps a node's static data as a cursor of its own,
 * committed with the execution of a poll that emits, or after a scheduled poll that emits
 * nothing; the activation's poll is only a test there, and a record it makes without emitting
 * is dropped. The workflow's own static data is still saved after the activation, so the first
 * record also goes there, as a copy the next poll takes up when the node's own data is empty.
 */

/** A group holds at most 10,000 shared files: the most ids the state keeps. */
export const MAX_REMEMBERED_FILE_IDS = 10_000;

/** The group a poll watches, the key its state is recorded under, and the poll's turn. */
export interface PollTarget {
	groupId: string;
	subject: string;
	/** Absent in manual mode (Fetch Test Event), which records nothing. */
	turn?: PollTurn;
}

/** Everything recorded is tied to one app and group; another app or group starts afresh. */
export function subjectKey(appUrl: string, groupId: string): string {
	return `${appUrl}\n${groupId}`;
}

export interface SharedFileState {
	subject: string;
	/** Ids the trigger has seen: those listed at the last recorded poll first, newest first. */
	fileIds: string[];
}

export interface AnnouncementState {
	subject: string;
	announcement: string;
}

export function readSharedFileState(staticData: IDataObject, subject: string): SharedFileState | undefined {
	const { subject: recordedSubject, fileIds } = staticData;
	if (recordedSubject !== subject || !Array.isArray(fileIds)) return undefined;
	return { subject, fileIds: fileIds.map(String) };
}

export function readAnnouncementState(staticData: IDataObject, subject: string): AnnouncementState | undefined {
	const { subject: recordedSubject, announcement } = staticData;
	if (recordedSubject !== subject || typeof announcement !== 'string') return undefined;
	return { subject, announcement };
}

/**
 * The ids to remember after a poll: every file listed now (newest first), then the ids seen
 * before that this listing did not show, newest first, up to the bound. Keeping those is what
 * stops a file from coming back as new when one listing pass missed it (a delete moved the
 * pages under it); they are the first to go when the bound is reached.
 */
export function rememberFileIds(listedIds: string[], previousIds: string[]): string[] {
	const remembered = new Set(listedIds);
	for (const id of previousIds) {
		if (remembered.size >= MAX_REMEMBERED_FILE_IDS) break;
		remembered.add(id);
	}
	return [...remembered].slice(0, MAX_REMEMBERED_FILE_IDS);
}

/** Writes the state into the node's static data, replacing what another event left there. */
function writeState(staticData: IDataObject, state: SharedFileState | AnnouncementState): void {
	for (const key of Object.keys(staticData)) {
		if (!(key in state)) delete staticData[key];
	}
	Object.assign(staticData, state);
}

/** The state of one trigger node for one subject: read, first recorded, then moved on. */
export class TriggerState<State extends SharedFileState | AnnouncementState> {
	private readonly nodeData: IDataObject;
	private readonly workflowData: IDataObject;
	private readonly copyKey: string;

	constructor(
		context: IPollFunctions,
		private readonly subject: string,
		private readonly read: (staticData: IDataObject, subject: string) => State | undefined,
	) {
		this.nodeData = context.getWorkflowStaticData('node');
		this.workflowData = context.getWorkflowStaticData('global');
		const node = context.getNode();
		this.copyKey = `chatGroupTrigger:${node.id || node.name}`;
	}

	/** What was recorded for this subject: the node's own data, else the activation's copy. */
	recorded(): State | undefined {
		return this.read(this.nodeData, this.subject) ?? this.copy();
	}

	/** Whether only the copy holds the state: a poll then records it in the node's data, new files or not. */
	get onlyInCopy(): boolean {
		return this.read(this.nodeData, this.subject) === undefined && this.copy() !== undefined;
	}

	private copy(): State | undefined {
		const copy = this.workflowData[this.copyKey];
		return copy && typeof copy === 'object' ? this.read(copy as IDataObject, this.subject) : undefined;
	}

	/** The first record for the subject: in the node's data, and a copy in the workflow's. */
	recordFirst(state: State): void {
		writeState(this.nodeData, state);
		this.workflowData[this.copyKey] = JSON.parse(JSON.stringify(state)) as IDataObject;
	}

	/** A later state: the node's data only; the copy, if any, has served. */
	moveOn(state: State): void {
		writeState(this.nodeData, state);
		if (this.copyKey in this.workflowData) delete this.workflowData[this.copyKey];
	}
}
