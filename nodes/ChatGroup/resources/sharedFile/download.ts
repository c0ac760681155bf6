import type {
	DeclarativeRestApiSettings,
	IBinaryData,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { sharedFileRoute } from '../../shared/descriptions';
import { fileExtension, storeDownloadedBody } from '../../shared/downloadedFile';
import { fileNameFromContentDisposition, GENERIC_MIME_TYPE, mimeTypeFromName } from '../../shared/fileNames';
import { itemRequest, withRetries } from '../../shared/itemHook';
import { itemParameter } from '../../shared/itemParameters';
import { findSharedFile } from '../../shared/sharedFileList';
import { inputError, readIdentifier } from '../../shared/validation';

function readIds(context: IExecuteSingleFunctions): { groupId: string; fileId: string } {
	return { groupId: readIdentifier(context, 'groupId'), fileId: readIdentifier(context, 'fileId') };
}

/** Put Output File in Field; an empty one is refused before anything is sent. */
function outputField(context: IExecuteSingleFunctions): string {
	const field = String(itemParameter(context, 'binaryPropertyName', 'data') ?? '').trim();
	if (!field) {
		throw inputError(
			context,
			'The Put Output File in Field is empty',
			'Enter the name of the binary field the file goes into, e.g. data (the next nodes read the file from there).',
		);
	}
	return field;
}

function optionFileName(context: IExecuteSingleFunctions): string | undefined {
	const { fileName } = itemParameter(context, 'options', {}) as { fileName?: unknown };
	const name = typeof fileName === 'string' || typeof fileName === 'number' ? String(fileName).trim() : '';
	return name || undefined;
}

/** The downloaded file, named by the File Name option, else by the service's Content-Disposition, else (for now) by its ID. */
async function storeDownloadedFile(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const { groupId, fileId } = readIds(this);
	const knownName = optionFileName(this) ?? fileNameFromContentDisposition(response.headers['content-disposition']);
	const { binary, mimeType, fileSize } = await storeDownloadedBody(this, response, knownName ?? fileId, knownName);
	return [
		{
			json: { groupId, fileId, fileName: knownName ?? null, mimeType, fileSize },
			binary: { [outputField(this)]: binary },
			pairedItem: { item: this.getItemIndex() },
		},
	];
}

/**
 * The name from the group's shared list, read once per group per execution and shared by
 * all items in flight. Without it the file keeps its ID as name: the bytes are never lost
 * for want of a name.
 */
async function lookUpFileName(context: IExecuteSingleFunctions, groupId: string, fileId: string): Promise<string | undefined> {
	try {
		return (await findSharedFile(context, groupId, fileId))?.file_name;
	} catch {
		return undefined;
	}
}

function renameBinary(binary: IBinaryData, fileName: string): void {
	binary.fileName = fileName;
	binary.fileExtension = fileExtension(fileName);
	if (binary.mimeType === GENERIC_MIME_TYPE) binary.mimeType = mimeTypeFromName(fileName) ?? GENERIC_MIME_TYPE;
}

/** The service documents no Content-Disposition; without one (and no File Name option) the name comes from the file list. */
async function downloadWithName(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	outputField(this);
	const items = await withRetries(this, async () => await this.makeRoutingRequest(requestData));
	for (const item of items) {
		if (item.json.fileName !== null) continue;
		const { groupId, fileId } = readIds(this);
		const binary = item.binary?.[outputField(this)];
		const fileName = (await lookUpFileName(this, groupId, fileId)) ?? fileId;
		if (binary) renameBinary(binary, fileName);
		item.json.fileName = fileName;
		item.json.mimeType = binary?.mimeType ?? item.json.mimeType;
	}
	return items;
}

const showForDownload = { resource: ['sharedFile'], operation: ['download'] };

export const downloadSharedFileOperation: INodePropertyOptions = {
	name: 'Download',
	value: 'download',
	action: 'Download a shared file by ID from Get Many',
	description: 'Download a shared file of a chat group as binary data',
	routing: {
		request: {
			method: 'GET',
			url: sharedFileRoute,
			encoding: 'stream',
			json: false,
			// Uncompressed, so that Content-Length is the file's own length.
			headers: { Accept: 'application/octet-stream', 'Accept-Encoding': 'identity' },
		},
		send: { paginate: true },
		operations: { pagination: itemRequest(downloadWithName) },
		output: { postReceive: [storeDownloadedFile] },
	},
};

export const downloadSharedFileFields: INodeProperties[] = [
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		// Not `required`: n8n's own check of an empty required field ends `n8n execute` without naming it; the node refuses it, naming it.
		hint: 'The name of the output binary field to put the file in',
		displayOptions: { show: showForDownload },
	},
];
