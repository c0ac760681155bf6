/**
 * Download Files, done in the workflow's execution (the node's `execute`, on a worker in queue
 * mode), never while the service waits for its answer: the callback is answered as soon as it is
 * checked, and the file follows in the execution it started.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadSharedFile, fileExtension } from '../ChatGroup/shared/downloadedFile';
import { fileNameFromContentDisposition, GENERIC_MIME_TYPE, mimeTypeFromName } from '../ChatGroup/shared/fileNames';
import { findSharedFile } from '../ChatGroup/shared/sharedFileList';
import type { SharedFile } from '../ChatGroup/shared/sharedFileList';
import { DEFAULT_RETRY_POLICY, RetryBudget } from '../ChatGroup/shared/retryPolicy';
import type { CallbackFile } from './callbackFormats';

/** The binary field the file goes in, as in the polling trigger. */
export const FILE_FIELD = 'data';

interface DownloadedFile {
	file: CallbackFile;
	binary: IBinaryData;
}

/**
 * The file's bytes as n8n binary data, named as the Download operation names a file: the name the
 * callback gives (older format), else the service's Content-Disposition, else the group's file
 * list (read once per group per execution), else the file ID. A body that ends short or breaks off is fetched
 * again, as the operation does.
 */
async function downloadFile(context: IExecuteFunctions, groupId: string, file: CallbackFile): Promise<DownloadedFile> {
	const { binary, knownName } = await downloadSharedFile(context, groupId, file.file_id, {
		budget: new RetryBudget(DEFAULT_RETRY_POLICY),
		about: { resource: 'sharedFile', operation: 'download', groupId, fileId: file.file_id },
		knownName: (response) => file.file_name || fileNameFromContentDisposition(response.headers['content-disposition']),
		fallbackName: file.file_id,
		// A "." or ".." id is this file's failure, named as the field it came in; nothing is sent for it.
		nameStoreFailures: true,
	});
	return { file: knownName ? { ...file, file_name: knownName } : file, binary };
}

/** The file's entry in the group's list; a list that cannot be read names nothing (the Download operation does the same). */
async function listedFile(context: IExecuteFunctions, groupId: string, fileId: string): Promise<SharedFile | undefined> {
	try {
		return await findSharedFile(context, groupId, fileId);
	} catch {
		return undefined;
	}
}

/**
 * A file the callback and the answer left unnamed is looked up in the group's file list (once
 * per group per execution); the list also gives its size, owner and upload time. Without an
 * entry there (the file was deleted meanwhile) it keeps its ID as name: the bytes are kept.
 */
async function namedFromList(context: IExecuteFunctions, groupId: string, { file, binary }: DownloadedFile): Promise<DownloadedFile> {
	if (file.file_name) return { file, binary };
	const listed = await listedFile(context, groupId, file.file_id);
	if (!listed) return { file, binary };
	binary.fileName = listed.file_name;
	binary.fileExtension = fileExtension(listed.file_name);
	if (binary.mimeType === GENERIC_MIME_TYPE) binary.mimeType = mimeTypeFromName(listed.file_name) ?? GENERIC_MIME_TYPE;
	return { file: { ...listed, ...file, file_name: listed.file_name }, binary };
}

function sharedFileOf(context: IExecuteFunctions, item: INodeExecutionData, itemIndex: number): { groupId: string; file: CallbackFile } {
	const { groupId, file } = item.json as { groupId?: unknown; file?: Partial<CallbackFile> };
	if (typeof groupId !== 'string' || !groupId || typeof file?.file_id !== 'string' || !file.file_id) {
		throw new NodeOperationError(context.getNode(), 'The callback names no group or file to download', { itemIndex });
	}
	return { groupId, file: file as CallbackFile };
}

/** The trigger's items as the webhook made them; with Download Files, each File Shared item with its file. */
export async function withDownloadedFiles(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const download = context.getNodeParameter('options.downloadFiles', 0, false) === true;
	const output: INodeExecutionData[] = [];
	// One file after another: a callback names few files, and each download is paced like any request.
	for (const [itemIndex, item] of items.entries()) {
		const pairedItem = { item: itemIndex };
		if (!download || item.json.event !== 'fileShared') {
			output.push({ ...item, pairedItem });
			continue;
		}
		const outcome = await Promise.resolve()
			.then(async () => {
				const { groupId, file } = sharedFileOf(context, item, itemIndex);
				return await namedFromList(context, groupId, await downloadFile(context, groupId, file));
			})
			.then(
				(downloaded) => ({ downloaded }),
				(error: Error) => ({ error }),
			);
		if ('downloaded' in outcome) {
			const { file, binary } = outcome.downloaded;
			output.push({ json: { ...item.json, file: file as unknown as IDataObject }, binary: { [FILE_FIELD]: binary }, pairedItem });
		} else if (context.continueOnFail()) {
			output.push({ json: { ...item.json, error: outcome.error.message }, pairedItem });
		} else {
			throw outcome.error;
		}
	}
	return [output];
}
