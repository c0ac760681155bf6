/**
 * THE list of a group's shared files. Get Many, Upload's same-name check and recovery,
 * Download's names, the editor's pickers and the trigger read it only through here: the API
 * has no total and no cursor, so reading it means asking page after page until a short page.
 *
 * Within one execution a group is listed once (single-flight: items in flight share one
 * read), and what the execution itself uploads or deletes is applied to that copy, so later
 * items see it. Per process only and bounded: n8n may run each execution in another worker.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { agoraJson, appBaseUrl } from './appRequest';
import type { AgoraContext } from './appRequest';

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

function filesPath(groupId: string): string {
	return `/chatgroups/${encodeURIComponent(groupId)}/share_files`;
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
 * The group's files page by page, newest first, ending after the first short page (the API's
 * only sign of the end), or after the most pages a group can fill (10,000 files). A service
 * that ignores `pagenum` (the same full page twice) ends with an error instead of a loop.
 */
export async function* sharedFilePages(
	context: AgoraContext,
	groupId: string,
	pageSize: number = MAX_PAGE_SIZE,
): AsyncGenerator<SharedFile[]> {
	const maxPages = Math.ceil(MAX_GROUP_FILES / pageSize);
	let previousIds: string | undefined;
	for (let pageNumber = 1; pageNumber <= maxPages; pageNumber++) {
		const envelope = await agoraJson(context, {
			method: 'GET',
			url: filesPath(groupId),
			qs: { pagenum: pageNumber, pagesize: pageSize },
			groupId,
		});
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
	/** The last complete read, newest first. */
	read?: SharedFile[];
	readStartedAt: number;
	inFlight?: Promise<SharedFile[]>;
	inFlightStartedAt: number;
	/** What this execution uploaded (or found it had stored) and deleted: applied over every read. */
	added: Map<string, SharedFile>;
	removed: Set<string>;
}

const cachedLists = new Map<string, CachedList>();

async function listKey(context: AgoraContext, groupId: string): Promise<{ key: string; scoped: boolean }> {
	const executionId = String(context.getExecutionId() ?? '');
	return { key: `${executionId}\n${await appBaseUrl(context)}\n${groupId}`, scoped: executionId !== '' };
}

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
	const { key, scoped } = await listKey(context, groupId);
	const list = cachedLists.get(key) ?? { readStartedAt: 0, inFlightStartedAt: 0, added: new Map(), removed: new Set() };
	touch(key, list);
	return { key, list, scoped };
}

async function readAllPages(context: AgoraContext, groupId: string): Promise<SharedFile[]> {
	// A file uploaded while paging shifts the pages: it may then be seen twice.
	const files = new Map<string, SharedFile>();
	for await (const page of sharedFilePages(context, groupId)) {
		for (const file of page) if (!files.has(file.file_id)) files.set(file.file_id, file);
	}
	return [...files.values()];
}

function withChanges(list: CachedList, read: SharedFile[]): SharedFile[] {
	const readIds = new Set(read.map((file) => file.file_id));
	const added = [...list.added.values()].filter((file) => !readIds.has(file.file_id));
	const files = [...read, ...added].filter((file) => !list.removed.has(file.file_id));
	return added.length ? files.sort((a, b) => b.created - a.created) : files;
}

export interface ReadSharedFilesOptions {
	/**
	 * Read from the service, not this execution's copy: the list must have been read after
	 * this moment (ms since the epoch; `true` = now). Callers in flight at once still share
	 * one read. Upload's recovery uses it; a trigger's poll should too.
	 */
	fresh?: boolean | number;
	/**
	 * Outside an execution (the editor's pickers, a trigger's poll: no execution id) a list is
	 * only shared by callers in flight at once, so a poll sees the current list. A picker may
	 * reuse a read this recent (ms), e.g. while the user types.
	 */
	maxAgeMs?: number;
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
): Promise<SharedFile[]> {
	const { key, list, scoped } = await cachedList(context, groupId);
	const now = Date.now();
	const freshSince = options.fresh === true ? now : typeof options.fresh === 'number' ? options.fresh : undefined;
	const maxAgeMs = options.maxAgeMs ?? (scoped ? SCOPED_MAX_AGE_MS : 0);
	if (list.read && list.readStartedAt >= (freshSince ?? now - maxAgeMs) && (freshSince !== undefined || maxAgeMs > 0)) {
		return withChanges(list, list.read);
	}
	// A read in flight is always current enough, unless one that began later is asked for.
	let inFlight = list.inFlight;
	if (!inFlight || list.inFlightStartedAt < (freshSince ?? -Infinity)) {
		const startedAt = now;
		const reading = readAllPages(context, groupId).then((read) => {
			if (startedAt >= list.readStartedAt) {
				list.read = read;
				list.readStartedAt = startedAt;
				touch(key, list);
			}
			return read;
		});
		inFlight = reading;
		list.inFlight = reading;
		list.inFlightStartedAt = startedAt;
		// A failed read is not kept: the next caller tries again.
		void reading
			.catch(() => undefined)
			.finally(() => {
				if (list.inFlight === reading) list.inFlight = undefined;
			});
	}
	return withChanges(list, await inFlight);
}

/** This execution's copy of the list, if it holds one (nothing is read). */
export async function knownSharedFiles(context: AgoraContext, groupId: string): Promise<SharedFile[] | undefined> {
	const { list } = await cachedList(context, groupId);
	return list.read ? withChanges(list, list.read) : undefined;
}

/** An upload of this execution: later items see the file, and no other item can claim it as its own. */
export async function recordUploadedFile(context: AgoraContext, groupId: string, file: IDataObject): Promise<SharedFile> {
	// The upload answer names no owner; the node's tokens are app tokens, whose files the list shows as "@ppAdmin".
	const stored = toSharedFile({ file_owner: APP_TOKEN_OWNER, ...file });
	const { list } = await cachedList(context, groupId);
	list.added.set(stored.file_id, stored);
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
	list.removed.add(fileId);
}

const nameLocks = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task of this execution for the same group and file name
 * (case-insensitive) has finished, so two items with one name never upload side by side.
 */
export async function withFileNameLock<T>(context: AgoraContext, groupId: string, fileName: string, task: () => Promise<T>): Promise<T> {
	const { key } = await listKey(context, groupId);
	const lockKey = `${key}\n${comparableName(fileName)}`;
	const previous = nameLocks.get(lockKey) ?? Promise.resolve();
	const current = previous.catch(() => undefined).then(task);
	nameLocks.set(lockKey, current);
	try {
		return await current;
	} finally {
		if (nameLocks.get(lockKey) === current) nameLocks.delete(lockKey);
	}
}
