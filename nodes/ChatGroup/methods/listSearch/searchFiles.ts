import { NodeOperationError } from 'n8n-workflow';
import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { checkIdentifier, groupIdOf } from '../../shared/identifiers';
import { readSharedFiles, type SharedFile } from '../../shared/sharedFileList';
import { loadForList } from './loadError';

/** Files per page of the File picker. */
export const FILE_PICKER_PAGE_SIZE = 100;
/** Typing a filter or scrolling on reuses the list read this long ago; opening the list reads it anew. */
const REUSE_WHILE_BROWSING_MS = 15_000;

const UNITS = ['B', 'KB', 'MB', 'GB'];

export function formatFileSize(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export function formatFileDate(created: number): string {
	return `${new Date(created).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function fileItem(file: SharedFile): INodeListSearchItems {
	const parts = [file.file_name || file.file_id];
	if (Number.isFinite(file.file_size)) parts.push(formatFileSize(file.file_size));
	if (Number.isFinite(file.created) && file.created > 0) parts.push(formatFileDate(file.created));
	return { name: parts.join(' · '), value: file.file_id };
}

/**
 * The chosen group's files for the File picker, newest first, as "name · size · date",
 * filtered by name; n8n's pagination token is the offset of the next page.
 */
export async function searchFiles(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const groupId = groupIdOf(this.getCurrentNodeParameter('groupId'));
	if (!groupId || groupId.startsWith('=')) {
		throw new NodeOperationError(this.getNode(), 'Choose a Group first: the list shows the files of that group', {
			description: 'Pick the group in the Group field above (a group mapped with an expression cannot be listed here: enter the file ID instead).',
		});
	}
	const needle = (filter ?? '').trim().toLowerCase();
	const groupFiles = await loadForList(
		this,
		`the files of group "${groupId}"`,
		async () => {
			checkIdentifier(this.getNode(), groupId, 'Group ID');
			return await readSharedFiles(this, groupId, needle || paginationToken ? { maxAgeMs: REUSE_WHILE_BROWSING_MS } : {});
		},
	);
	// Newest first, as the shared list keeps them.
	const files = needle ? groupFiles.filter((file) => file.file_name.toLowerCase().includes(needle)) : groupFiles;
	const offset = Math.max(0, Number.parseInt(paginationToken ?? '0', 10) || 0);
	const end = offset + FILE_PICKER_PAGE_SIZE;
	return {
		results: files.slice(offset, end).map(fileItem),
		paginationToken: end < files.length ? String(end) : undefined,
	};
}
