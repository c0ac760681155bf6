import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { GENERIC_MIME_TYPE, fileNameFromContentDisposition, mimeTypeFromName, specificMimeType } from '../../ChatGroup/shared/fileNames';
import { readSharedFileState, rememberFileIds, writeState } from '../pollState';
import { listGroupFiles, pollRequest } from '../requests';

export interface PollTarget {
	groupId: string;
	subject: string;
}

function fileNameFilter(context: IPollFunctions): string {
	return String(context.getNodeParameter('options.fileName', '') ?? '').trim();
}

/** Exact, case-insensitive; `*` stands for any run of characters (as Get Many's filter). */
function matchesFileName(pattern: string, fileName: unknown): boolean {
	if (!pattern) return true;
	const source = pattern
		.split('*')
		.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
		.join('.*');
	return new RegExp(`^${source}$`, 'i').test(String(fileName ?? ''));
}

function createdAt(file: IDataObject): number {
	const created = Number(file.created);
	return Number.isFinite(created) ? created : 0;
}

/** The file as binary in `data`, named and typed as the Download operation does. */
async function withFile(context: IPollFunctions, groupId: string, file: IDataObject): Promise<INodeExecutionData | undefined> {
	const fileId = String(file.file_id);
	const response = await pollRequest(
		context,
		{
			method: 'GET',
			url: `/chatgroups/${encodeURIComponent(groupId)}/share_files/${encodeURIComponent(fileId)}`,
			headers: { Accept: 'application/octet-stream', 'Accept-Encoding': 'identity' },
			encoding: 'arraybuffer',
			json: false,
		},
		{ resource: 'sharedFile', operation: 'download', groupId, fileId },
	);
	const body = Buffer.from(response.body as ArrayBuffer);
	const fileName = fileNameFromContentDisposition(response.headers['content-disposition']) ?? String(file.file_name ?? fileId);
	const mimeType = specificMimeType(response.headers['content-type']) ?? mimeTypeFromName(fileName) ?? GENERIC_MIME_TYPE;
	const binary = await context.helpers.prepareBinaryData(body, fileName, mimeType);
	binary.fileName = fileName;
	return { json: file, binary: { data: binary } };
}

async function toItems(context: IPollFunctions, groupId: string, files: IDataObject[]): Promise<INodeExecutionData[]> {
	if (!context.getNodeParameter('options.downloadFiles', false)) return files.map((file) => ({ json: file }));
	const items: INodeExecutionData[] = [];
	// One file after another: a poll is one workflow's background task, not a bulk transfer.
	for (const file of files) {
		const item = await withFile(context, groupId, file);
		if (item) items.push(item);
	}
	return items;
}

/**
 * One listing pass. The first poll for a group records the files there and emits nothing;
 * later polls emit each file not seen before, oldest first. A failure anywhere throws before
 * the state is touched, so the next poll sees the same files as new again.
 */
export async function pollNewSharedFiles(this: IPollFunctions, { groupId, subject }: PollTarget): Promise<INodeExecutionData[][] | null> {
	const files = await listGroupFiles(this, groupId);
	const pattern = fileNameFilter(this);

	if (this.getMode() === 'manual') {
		const newest = files.filter((file) => matchesFileName(pattern, file.file_name)).sort((a, b) => createdAt(b) - createdAt(a))[0];
		if (!newest) {
			throw new NodeOperationError(this.getNode(), `Group "${groupId}" has no shared file${pattern ? ` named like "${pattern}"` : ''} to show`, {
				description: 'Share a file in the group (or loosen the File Name filter), then fetch the test event again.',
			});
		}
		return [await toItems(this, groupId, [newest])];
	}

	const staticData = this.getWorkflowStaticData('node');
	const listedIds = files.map((file) => String(file.file_id));
	const state = readSharedFileState(staticData, subject);
	if (!state) {
		writeState(staticData, { subject, fileIds: rememberFileIds(listedIds, []) });
		return null;
	}
	const seen = new Set(state.fileIds);
	const appeared = files.filter((file) => !seen.has(String(file.file_id)));
	if (appeared.length === 0) return null;

	const wanted = appeared.filter((file) => matchesFileName(pattern, file.file_name)).sort((a, b) => createdAt(a) - createdAt(b));
	const items = await toItems(this, groupId, wanted);
	writeState(staticData, { subject, fileIds: rememberFileIds(listedIds, state.fileIds) });
	return items.length > 0 ? [items] : null;
}
