import type { IDataObject } from 'n8n-workflow';

import type { PollTurn } from './pollTurns';

/**
 * What the trigger remembers between polls, kept in n8n's workflow static data.
 *
 * n8n saves static data after activation and with every poll that emits items; a change made
 * by a poll that emits nothing lives only in that process's memory. So the state changes only
 * where losing the change is harmless: the first poll's record (saved by the activation), and
 * polls that emit (saved with their items). A poll that emits nothing and finds nothing new
 * leaves the state exactly as it was; one that fails leaves it untouched.
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
export function writeState(staticData: IDataObject, state: SharedFileState | AnnouncementState): void {
	for (const key of Object.keys(staticData)) {
		if (!(key in state)) delete staticData[key];
	}
	Object.assign(staticData, state);
}
