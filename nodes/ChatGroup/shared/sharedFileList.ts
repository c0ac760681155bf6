/**
 * THE list of a group's shared files. Get Many, Upload's same-name check and recovery,
 * Download's names, the editor's pickers and the trigger read it only through here: the API
 * has no total and no cursor, so reading it means asking page after page until a short page.
 *
 * Within one execution a group is listed once (single-flight: items in flight share one
 * read), and what the execution itself uploads or deletes is applied to that copy, so later
 * items see it. Per process only and bounded: n8n may run each execution in another worker.
 * A read is as recent as the moment its first page (the newest files) was asked for.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { agoraJson, appBaseUrl } from './appRequest';
import type { AgoraContext } from './appRequest';
import { groupScope, inOrder } from './executionOrder';
import { sharedFilesPath } from './paths';

/** A shared file as the list endpoint describes it. */
export interface SharedFile {
	file_id: string;
	file_name: string;
	file_owner: string;
	file_size: number;
	/** Upload time, ms since the epoch (the service's clock). */
	created: number;
}

/** The service's largest page. */
export const MAX_PAGE_SIZE = 1000;
/** A group holds at most this many shared files, so no list is longer. */
export const MAX_GROUP_FILES = 10_000;

/** The owner the service shows for files uploaded with an app token. */
export const APP_TOKEN_OWNER = '@ppAdmin';

/** Lists kept per process (LRU): one per execution and group, and at most this many files in all (a few MB). */
const MAX_CACHED_LISTS = 50;
const MAX_CACHED_FILES = 50_000;
/** Even within one execution a list is read again after this long (executions that wait). */
const SCOPED_MAX_AGE_MS = 10 * 60_000;

/**
 * The page size that reaches `limit` in the fewest requests without fetching more than
 * needed: 1,500 files are two pages of 750, not a page of 1,000 and one of 1,000.
 */
export function pageSizeFor(limit: number): number {
	return Math.min(MAX_PAGE_SIZE, Math.ceil(limit / Math.ceil(limit / MAX_PAGE_SIZE)));
}

function comparableName(name: string): string {
	return name.normalize('NFC').toLowerCase();
}

/** File names as the service compares them: it answers an upload of `IMG_3.JPG` with `img_3.jpg`. */
export function sameFileName(a: string, b: string): boolean {
	return comparableName(a) === comparableName(b);
}

/** Each list's files by id and by comparable name, made once per list (lists are shared and never changed in place). */
const filesById = new WeakMap<readonly SharedFile[], Map<string, SharedFile>>();
const filesByName = new WeakMap<readonly SharedFile[], Map<string, SharedFile[]>>();

/**
 * The files of `files` with this name as the service compares names, in the list's order. Upload's
 * same-name check asks it for every item: the names are compared once per list, not once per item.
 */
export function filesNamed(files: readonly SharedFile[], fileName: string): readonly SharedFile[] {
	let byName = filesByName.get(files);
	if (!byName) {
		byName = new Map();
		for (const file of files) {
			const name = comparableName(file.file_name);
			const named = byName.get(name);
			if (named) named.push(file);
			else byName.set(name, [file]);
		}
		filesByName.set(files, byName);
	}
	return byName.get(comparableName(fileName)) ?? [];
}

/**
 * A file-name filter: exact but case-insensitive; `*` matches any run of characters
 * (`*.pdf`, `report-*`). An empty pattern matches every name.
 */
export function fileNameMatcher(pattern: string): (fileName: string) => boolean {
	const wanted = comparableName(pattern.trim());
	if (!wanted) return () => true;
	if (!wanted.includes('*')) return (fileName) => comparableName(fileName) === wanted;
	const escaped = wanted.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
	const expression = new RegExp(`^${escaped.join('.*')}$`, 's');
	return (fileName) => expression.test(comparableName(fileName));
}

function toSharedFile(entry: IDataObject): SharedFile {
	return {
		file_id: String(entry.file_id ?? ''),
		file_name: String(entry.file_name ?? ''),
		file_owner: String(entry.file_owner ?? ''),
		file_size: Number(entry.file_size),
		created: Number(entry.created),
	};
}

function repeatedPageError(context: AgoraContext, groupId: string, pageNumber: number): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`The service sent the same page of files twice (pages ${pageNumber - 1} and ${pageNumber} of group "${groupId}")`,
		{
			description:
				'It ignores the page number (pagenum), so the group\'s files cannot be read page by page and the node stopped instead of asking forever. Check that the Host in the credential points at the Agora Chat REST API.',
		},
	);
}

/**
 * The service's clock against this process's, per app: the service time of an answer minus the
 * local time it arrived, a lower bound of the true difference (the answer was written before it
 * arrived). The upload's recovery uses it to tell its own file from an earlier one.
 */
const serviceClockOffsets = new Map<string, number>();
const MAX_TRACKED_CLOCKS = 100;
/** A service time further off than this is not a clock but a placeholder (a proxy's, a stub's): not used. */
const MAX_PLAUSIBLE_OFFSET_MS = 24 * 60 * 60 * 1000;

function noteServiceClock(baseUrl: string, serviceTime: unknown, arrivedAt: number): void {
	if (typeof serviceTime !== 'number' || !Number.isFinite(serviceTime) || Math.abs(serviceTime - arrivedAt) > MAX_PLAUSIBLE_OFFSET_MS) return;
	serviceClockOffsets.delete(baseUrl);
	serviceClockOffsets.set(baseUrl, serviceTime - arrivedAt);
	while (serviceClockOffsets.size > MAX_TRACKED_CLOCKS) serviceClockOffsets.delete(serviceClockOffsets.keys().next().value as string);
}

/** At least how far the service's clock is ahead of this process's (negative: behind), if an answer told it. */
export async function serviceClockOffset(context: AgoraContext): Promise<number | undefined> {
	return serviceClockOffsets.get(await appBaseUrl(context));
}

/**
 * The group's files page by page, newest first, ending after the first short page (the API's
 * only sign of the end), or after the most pages a group can fill (10,000 files). A service
 * that ignores `pagenum` (the same full page twice) ends with an error instead of a loop.
 * `onFirstPageSent` is called as the first page's request leaves (again if it is retried).
 */
export async function* sharedFilePages(
	context: AgoraContext,
	groupId: string,
	pageSize: number = MAX_PAGE_SIZE,
	onFirstPageSent?: () => void,
	behindWaitingItems = false,
): AsyncGenerator<SharedFile[]> {
	const maxPages = Math.ceil(MAX_GROUP_FILES / pageSize);
	const url = sharedFilesPath(groupId);
	const baseUrl = await appBaseUrl(context);
	let previousIds: string | undefined;
	for (let pageNumber = 1; pageNumber <= maxPages; pageNumber++) {
		const envelope = await agoraJson(context, {
			method: 'GET',
			url,
			qs: { pagenum: pageNumber, pagesize: pageSize },
			groupId,
			onSend: pageNumber === 1 ? onFirstPageSent : undefined,
			behindWaitingItems,
		});
		noteServiceClock(baseUrl, envelope?.timestamp, Date.now());
		const data = envelope?.data;
		const files = Array.isArray(data) ? (data as IDataObject[]).map(toSharedFile) : [];
		const ids = files.map((file) => file.file_id).join('\n');
		if (files.length > 0 && ids === previousIds) throw repeatedPageError(context, groupId, pageNumber);
		previousIds = ids;
		yield files;
		if (files.length < pageSize) return;
	}
}

interface CachedList {
	/** The last complete read, newest first, and when its first page was asked for (ms since the epoch). */
	read?: SharedFile[];
	readAsOf: number;
	inFlight?: Promise<SharedFile[]>;
	/** When the read in flight asked for its first page; undefined while that request waits for its turn. */
	inFlightAsOf?: number;
	/** What this execution uploaded (or found it had stored) and deleted: applied over every read. */
	added: Map<string, SharedFile>;
	removed: Set<string>;
	/**
	 * The read `of` with the changes applied, made once per read and change rather than per caller
	 * (a Download of 10,000 files looks up each file's name: merging 10,000 entries per item was
	 * 10^8 steps, and as much garbage). Shared by every caller: never changed in place.
	 */
	view?: { of: SharedFile[]; files: readonly SharedFile[] };
}

const cachedLists = new Map<string, CachedList>();

/** Drops the least recently used lists (never the one just used) until both bounds hold. */
function evictBeyondBounds(): void {
	let files = 0;
	for (const list of cachedLists.values()) files += list.read?.length ?? 0;
	for (const [key, list] of cachedLists) {
		if (cachedLists.size <= 1 || (cachedLists.size <= MAX_CACHED_LISTS && files <= MAX_CACHED_FILES)) return;
		files -= list.read?.length ?? 0;
		cachedLists.delete(key);
	}
}

/** Marks the list as the most recently used one, then keeps the cache within its bounds. */
function touch(key: string, list: CachedList): void {
	cachedLists.delete(key);
	cachedLists.set(key, list);
	evictBeyondBounds();
}

async function cachedList(context: AgoraContext, groupId: string): Promise<{ key: string; list: CachedList; scoped: boolean }> {
	const { key, inExecution } = await groupScope(context, groupId);
	const list = cachedLists.get(key) ?? { readAsOf: 0, added: new Map(), removed: new Set() };
	touch(key, list);
	return { key, list, scoped: inExecution };
}

async function readAllPages(context: AgoraContext, groupId: string, onFirstPageSent: () => void, behindWaitingItems: boolean): Promise<SharedFile[]> {
	// A file uploaded while paging shifts the pages: it may then be seen twice.
	const files = new Map<string, SharedFile>();
	for await (const page of sharedFilePages(context, groupId, MAX_PAGE_SIZE, onFirstPageSent, behindWaitingItems)) {
		for (const file of page) if (!files.has(file.file_id)) files.set(file.file_id, file);
	}
	return [...files.values()];
}

function withChanges(list: CachedList, read: SharedFile[]): readonly SharedFile[] {
	if (list.view?.of === read) return list.view.files;
	const readIds = new Set(read.map((file) => file.file_id));
	const added = [...list.added.values()].filter((file) => !readIds.has(file.file_id));
	const files = [...read, ...added].filter((file) => !list.removed.has(file.file_id));
	list.view = { of: read, files: added.length ? files.sort((a, b) => b.created - a.created) : files };
	return list.view.files;
}

export interface ReadSharedFilesOptions {
	/**
	 * Read from the service, not this execution's copy: the list's first page must have been asked
	 * for at or after this moment (ms since the epoch; `true` = now). A read in flight that asked
	 * for its first page by then (or has not yet) is shared. Upload's recovery uses it, and its
	 * read waits behind the items still waiting for their first turn, so that one read serves them.
	 */
	fresh?: boolean | number;
	/**
	 * Outside an execution (the editor's pickers, a trigger's poll: no execution id) a list is
	 * only shared by callers in flight at once, so a poll sees the current list. A picker may
	 * reuse a read this recent (ms), e.g. while the user types.
	 */
	maxAgeMs?: number;
}

/** The read in flight, if it is recent enough for `freshSince` (its first page not asked for before it). */
function sharableRead(list: CachedList, freshSince: number | undefined): Promise<SharedFile[]> | undefined {
	if (!list.inFlight) return undefined;
	if (freshSince === undefined || list.inFlightAsOf === undefined || list.inFlightAsOf >= freshSince) return list.inFlight;
	return undefined;
}

/**
 * All files of the group, newest first, as this execution knows them: read once per group
 * per execution (items in flight share the read), with the execution's own uploads and
 * deletions applied.
 */
export async function readSharedFiles(
	context: AgoraContext,
	groupId: string,
	options: ReadSharedFilesOptions = {},
): Promise<readonly SharedFile[]> {
	const { key, list, scoped } = await cachedList(context, groupId);
	const now = Date.now();
	const freshSince = options.fresh === true ? now : typeof options.fresh === 'number' ? options.fresh : undefined;
	const maxAgeMs = options.maxAgeMs ?? (scoped ? SCOPED_MAX_AGE_MS : 0);
	if (list.read && list.readAsOf >= (freshSince ?? now - maxAgeMs) && (freshSince !== undefined || maxAgeMs > 0)) {
		return withChanges(list, list.read);
	}
	let inFlight = sharableRead(list, freshSince);
	if (!inFlight) {
		let asOf: number | undefined;
		const onFirstPageSent = () => {
			asOf = Date.now();
			if (list.inFlight === reading) list.inFlightAsOf = asOf;
		};
		const reading: Promise<SharedFile[]> = readAllPages(context, groupId, onFirstPageSent, freshSince !== undefined).then((read) => {
			const readAsOf = asOf ?? now;
			if (readAsOf >= list.readAsOf) {
				list.read = read;
				list.readAsOf = readAsOf;
				// The view of the older read is not kept beside the new one (the cache's bounds count reads).
				list.view = undefined;
				touch(key, list);
			}
			return read;
		});
		inFlight = reading;
		list.inFlight = reading;
		list.inFlightAsOf = undefined;
		// A failed read is not kept: the next caller tries again.
		void reading
			.catch(() => undefined)
			.finally(() => {
				if (list.inFlight === reading) list.inFlight = undefined;
			});
	}
	return withChanges(list, await inFlight);
}

/** One file of the group as this execution knows it (the list as readSharedFiles reads it), by id. */
export async function findSharedFile(context: AgoraContext, groupId: string, fileId: string): Promise<SharedFile | undefined> {
	const files = await readSharedFiles(context, groupId);
	let byId = filesById.get(files);
	if (!byId) {
		byId = new Map(files.map((file) => [file.file_id, file]));
		filesById.set(files, byId);
	}
	return byId.get(fileId);
}

/**
 * This execution's copy of the list, if it holds one recent enough (its age limit, 10 minutes) or
 * is reading it; nothing is read here.
 */
export async function knownSharedFiles(context: AgoraContext, groupId: string): Promise<readonly SharedFile[] | undefined> {
	const { list, scoped } = await cachedList(context, groupId);
	const inFlight = sharableRead(list, undefined);
	if (inFlight) return withChanges(list, await inFlight);
	if (!scoped || !list.read || list.readAsOf < Date.now() - SCOPED_MAX_AGE_MS) return undefined;
	return withChanges(list, list.read);
}

/** An upload of this execution: later items see the file, and no other item can claim it as its own. */
export async function recordUploadedFile(context: AgoraContext, groupId: string, file: IDataObject): Promise<SharedFile> {
	// The upload answer names no owner; the node's tokens are app tokens, whose files the list shows as "@ppAdmin".
	const stored = toSharedFile({ file_owner: APP_TOKEN_OWNER, ...file });
	const { list } = await cachedList(context, groupId);
	list.added.set(stored.file_id, stored);
	list.view = undefined;
	return stored;
}

/** Whether an item of this execution uploaded this file (or found it as its own after a lost answer). */
export async function isClaimedFile(context: AgoraContext, groupId: string, fileId: string): Promise<boolean> {
	const { list } = await cachedList(context, groupId);
	return list.added.has(fileId);
}

/** A deletion of this execution: later items no longer see the file. */
export async function recordDeletedFile(context: AgoraContext, groupId: string, fileId: string): Promise<void> {
	const { list } = await cachedList(context, groupId);
	list.added.delete(fileId);
	list.removed.add(fileId);
	list.view = undefined;
}

/**
 * Runs `task` after every earlier task of this execution for the same group and file name
 * (case-insensitive) has finished, so two items with one name never upload side by side.
 */
export async function withFileNameLock<T>(context: AgoraContext, groupId: string, fileName: string, task: () => Promise<T>): Promise<T> {
	const { key } = await groupScope(context, groupId);
	return await inOrder(`${key}\nfile name\n${comparableName(fileName)}`, task);
}
