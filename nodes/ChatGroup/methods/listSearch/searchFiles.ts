import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { groupIdOf } from '../../shared/identifiers';
import { getFromApp } from './appRequest';

/** Files per page of the File picker. */
export const FILE_PICKER_PAGE_SIZE = 100;
const SERVICE_PAGE_SIZE = 1000;
const MAX_PAGES = 10;

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

function fileItem(file: IDataObject): INodeListSearchItems {
	const size = Number(file.file_size);
	const created = Number(file.created);
	const parts = [String(file.file_name ?? file.file_id)];
	if (Number.isFinite(size)) parts.push(formatFileSize(size));
	if (Number.isFinite(created) && created > 0) parts.push(formatFileDate(created));
	return { name: parts.join(' · '), value: String(file.file_id) };
}

async function groupFiles(context: ILoadOptionsFunctions, groupId: string): Promise<IDataObject[]> {
	const url = `/chatgroups/${encodeURIComponent(groupId)}/share_files`;
	const files: IDataObject[] = [];
	for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
		const page = await getFromApp(context, `the files of group "${groupId}"`, url, { pagenum: pageNumber, pagesize: SERVICE_PAGE_SIZE }, groupId);
		const batch = Array.isArray(page.data) ? (page.data as IDataObject[]) : [];
		files.push(...batch);
		if (batch.length < SERVICE_PAGE_SIZE) break;
	}
	return files;
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
	const files = (await groupFiles(this, groupId))
		.filter((file) => file?.file_id !== undefined)
		.filter((file) => !needle || String(file.file_name ?? '').toLowerCase().includes(needle))
		.sort((a, b) => Number(b.created) - Number(a.created));
	const offset = Math.max(0, Number.parseInt(paginationToken ?? '0', 10) || 0);
	const end = offset + FILE_PICKER_PAGE_SIZE;
	return {
		results: files.slice(offset, end).map(fileItem),
		paginationToken: end < files.length ? String(end) : undefined,
	};
}
