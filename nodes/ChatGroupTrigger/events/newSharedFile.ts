import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { fileNameMatcher, readSharedFiles } from '../../ChatGroup/shared/sharedFileList';
import type { SharedFile } from '../../ChatGroup/shared/sharedFileList';
import { describeFailure, toNodeError } from '../../ChatGroup/shared/errors';
import type { AgoraFailure } from '../../ChatGroup/shared/errors';
import { downloadSharedFile } from '../../ChatGroup/shared/downloadedFile';
import { identifierRefusal } from '../../ChatGroup/shared/identifiers';
import { DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT_MS, RetryBudget } from '../../ChatGroup/shared/retryPolicy';
import { readSharedFileState, rememberFileIds, TriggerState } from '../pollState';
import type { PollTarget } from '../pollState';

/** n8n 2.41 tells a poll how long it may take (getPollBudgetMs); n8n 1.x does not: its 2.x default then. */
const DEFAULT_POLL_BUDGET_MS = 5 * 60_000;
/** The shortest wait for a download, however little of the budget is left. */
const MIN_DOWNLOAD_TIMEOUT_MS = 5_000;

const RETRY_ADVICE =
	'The trigger does not try this file again: download it with the Agora Chat Group node (Shared File > Download) using this item\'s file_id.';

/** When this poll should stop starting downloads, leaving the rest to the next poll. */
function pollDeadline(context: IPollFunctions, startedAt: number): number {
	const budget = typeof context.getPollBudgetMs === 'function' ? context.getPollBudgetMs() : DEFAULT_POLL_BUDGET_MS;
	return startedAt + (Number.isFinite(budget) && budget > 0 ? budget : DEFAULT_POLL_BUDGET_MS);
}

/**
 * Failures that are not the file's but every file's (the credential, the app, the group, n8n
 * itself): the poll fails and keeps its state, so the files come once that is fixed.
 */
function concernsEveryFile(failure: AgoraFailure): boolean {
	if (failure.kind === 'other' || failure.kind === 'input') return true;
	if (failure.kind !== 'http') return false;
	return failure.status === 401 || (failure.status === 404 && ['organization_application_not_found', 'service_resource_not_found'].includes(failure.error ?? ''));
}

function sentence(text: string): string {
	const trimmed = text.trim();
	return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The file's item without its bytes, with what went wrong and what to do. */
function failedFileItem(context: IPollFunctions, file: SharedFile, error: unknown, about: IDataObject): INodeExecutionData {
	const failure = describeFailure(error);
	if (concernsEveryFile(failure)) throw error;
	const shown = error instanceof NodeApiError || error instanceof NodeOperationError ? error : toNodeError(context.getNode(), failure, about);
	const text = [shown.message, shown.description ?? '', RETRY_ADVICE].map(sentence).filter(Boolean).join(' ');
	return { json: { ...file, error: `The file could not be downloaded: ${text}` } as IDataObject };
}

/**
 * The file as binary in `data`, named and typed as the Download operation names a file it is
 * given the name of (the list's name; the type from Content-Type, else from the name). A body
 * that ends short or breaks off is fetched again, as the operation does. Waits and retries end by the poll's
 * deadline. A file that still does not arrive becomes an item without bytes and with `error`.
 */
async function withFile(context: IPollFunctions, groupId: string, file: SharedFile, deadline: number): Promise<INodeExecutionData> {
	const about = { resource: 'sharedFile', operation: 'download', groupId, fileId: file.file_id };
	const left = () => Math.max(0, deadline - Date.now());
	// A listed id that cannot be a path segment ("..") is this file's problem, not every poll's.
	const refusal = identifierRefusal(file.file_id, 'File ID');
	if (refusal) {
		return { json: { ...file, error: `The file could not be downloaded: ${sentence(refusal.message)} Its id would address another path than the file's, so nothing was requested for it.` } as IDataObject };
	}
	const budget = new RetryBudget({ ...DEFAULT_RETRY_POLICY, maxTotalWaitMs: Math.min(DEFAULT_RETRY_POLICY.maxTotalWaitMs, left()) });
	const fileName = file.file_name || file.file_id;
	try {
		const { binary } = await downloadSharedFile(context, groupId, file.file_id, {
			budget,
			about,
			timeout: Math.min(DEFAULT_TIMEOUT_MS, Math.max(MIN_DOWNLOAD_TIMEOUT_MS, left())),
			knownName: () => fileName,
			fallbackName: fileName,
		});
		return { json: { ...file } as IDataObject, binary: { data: binary } };
	} catch (error) {
		return failedFileItem(context, file, error, about);
	}
}

/**
 * The items for the new files, oldest first: their fields, plus the file itself with Download
 * Files. Downloads stop when the next one would not end within the poll's budget (one file at
 * least): the items then cover the first files only, and the rest wait for the next poll.
 */
async function toItems(context: IPollFunctions, groupId: string, files: SharedFile[], deadline: number): Promise<INodeExecutionData[]> {
	if (!context.getNodeParameter('options.downloadFiles', false)) return files.map((file) => ({ json: { ...file } as IDataObject }));
	const items: INodeExecutionData[] = [];
	let slowestMs = 0;
	// One file after another: a poll is a background task, not a bulk transfer.
	for (const file of files) {
		if (items.length > 0 && Date.now() + slowestMs > deadline) break;
		const startedAt = Date.now();
		items.push(await withFile(context, groupId, file, deadline));
		slowestMs = Math.max(slowestMs, Date.now() - startedAt);
	}
	return items;
}

/**
 * One listing pass through the group's shared list. The first poll for a group records the
 * files there and emits nothing; later polls emit each file not seen before, oldest first. A
 * failure of the listing (or one that concerns every file) throws before the state is touched,
 * so the next poll finds the same files; a file that alone cannot be downloaded is emitted with
 * `error` and no bytes, so it stalls nothing.
 */
export async function pollNewSharedFiles(this: IPollFunctions, { groupId, subject, turn }: PollTarget): Promise<INodeExecutionData[][] | null> {
	const startedAt = Date.now();
	// Read anew: a poll must see the list as it is now, never a copy another caller holds.
	const files = await readSharedFiles(this, groupId, { fresh: true });
	const matches = fileNameMatcher(String(this.getNodeParameter('options.fileName', '') ?? ''));

	if (this.getMode() === 'manual') {
		const newest = files.filter((file) => matches(file.file_name)).sort((a, b) => b.created - a.created)[0];
		if (!newest) {
			const pattern = String(this.getNodeParameter('options.fileName', '') ?? '').trim();
			throw new NodeOperationError(this.getNode(), `Group "${groupId}" has no shared file${pattern ? ` named like "${pattern}"` : ''} to show`, {
				description: 'Share a file in the group (or loosen the File Name filter), then fetch the test event again.',
			});
		}
		return [await toItems(this, groupId, [newest], pollDeadline(this, startedAt))];
	}

	// A poll taken to be lost while it ran changes nothing: the one that took over moves on.
	const current = () => turn?.current !== false;
	const state = new TriggerState(this, subject, readSharedFileState);
	const listedIds = files.map((file) => file.file_id);
	const recorded = state.recorded();
	if (!recorded) {
		if (current()) state.recordFirst({ subject, fileIds: rememberFileIds(listedIds, []) });
		return null;
	}
	const seen = new Set(recorded.fileIds);
	const appeared = files.filter((file) => !seen.has(file.file_id));
	if (appeared.length === 0) {
		if (state.onlyInCopy && current()) state.moveOn(recorded);
		return null;
	}

	const wanted = appeared.filter((file) => matches(file.file_name)).sort((a, b) => a.created - b.created);
	const items = await toItems(this, groupId, wanted, pollDeadline(this, startedAt));
	if (!current()) return null;
	const later = new Set(wanted.slice(items.length).map((file) => file.file_id));
	state.moveOn({ subject, fileIds: rememberFileIds(listedIds.filter((id) => !later.has(id)), recorded.fileIds) });
	return items.length > 0 ? [items] : null;
}
