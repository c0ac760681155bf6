import type {
	DeclarativeRestApiSettings,
	IBinaryData,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { AgoraIncompleteDownloadError, AgoraUnexpectedResponseError } from '../../shared/errors';
import { fileIdField, sharedFilePath } from '../../shared/descriptions';
import { fileNameFromContentDisposition, GENERIC_MIME_TYPE, mimeTypeFromName, specificMimeType } from '../../shared/fileNames';
import { readSharedFiles } from '../../shared/sharedFileList';
import { itemRequest, withRetries } from '../../shared/transport';
import { readIdentifier } from '../../shared/validation';

function readIds(context: IExecuteSingleFunctions): { groupId: string; fileId: string } {
	return { groupId: readIdentifier(context, 'groupId'), fileId: readIdentifier(context, 'fileId') };
}

function outputField(context: IExecuteSingleFunctions): string {
	return String(context.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
}

function fileExtension(fileName: string): string | undefined {
	return fileName.match(/\.([A-Za-z0-9]+)$/)?.[1]?.toLowerCase();
}

/** A 200 whose body is the service's JSON (an error, or the pre-2023 file-info envelope) is not the file. */
function serviceJsonInstead(body: Buffer, contentType: unknown): IDataObject | undefined {
	if (typeof contentType !== 'string' || !/\bjson\b/i.test(contentType) || body.length > 64 * 1024) return undefined;
	try {
		const parsed = JSON.parse(body.toString('utf8')) as unknown;
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
		const json = parsed as IDataObject;
		const isError = typeof json.error === 'string' && 'error_description' in json;
		const isEnvelope = 'action' in json && 'uri' in json && 'data' in json && 'applicationName' in json;
		return isError || isEnvelope ? json : undefined;
	} catch {
		return undefined;
	}
}

type ResponseBody = Parameters<IExecuteSingleFunctions['helpers']['prepareBinaryData']>[0];

type BodyStream = Exclude<ResponseBody, Buffer>;

/**
 * The body as it streams into n8n's store, counted against the declared length: a body that
 * ends short (or runs long) fails the store itself, so no partial file is left behind in
 * n8n's binary store for a retry to orphan. A compressed body's length is not the file's:
 * the node asks for none (Accept-Encoding: identity), and does not compare if one comes anyway.
 */
function checkedBody(body: ResponseBody, headers: IN8nHttpFullResponse['headers']): ResponseBody {
	const declared = Number(headers['content-length']);
	const encoding = String(headers['content-encoding'] ?? 'identity').trim().toLowerCase();
	if (!Number.isFinite(declared) || (encoding !== 'identity' && encoding !== '')) return body;
	if (Buffer.isBuffer(body)) {
		if (body.length !== declared) throw new AgoraIncompleteDownloadError(body.length, declared);
		return body;
	}
	const stream = body as BodyStream;
	const readableFrom = (stream.constructor as unknown as { from: (source: AsyncIterable<Buffer>) => BodyStream }).from;
	async function* counted(): AsyncIterable<Buffer> {
		let received = 0;
		for await (const chunk of stream) {
			received += (chunk as Buffer).length;
			if (received > declared) throw new AgoraIncompleteDownloadError(received, declared);
			yield chunk as Buffer;
		}
		if (received !== declared) throw new AgoraIncompleteDownloadError(received, declared);
	}
	return readableFrom(counted());
}

async function storedSize(context: IExecuteSingleFunctions, binary: IBinaryData): Promise<number> {
	const recorded = (binary as IBinaryData & { bytes?: number }).bytes;
	if (typeof recorded === 'number') return recorded;
	if (binary.id) return (await context.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
}

function optionFileName(context: IExecuteSingleFunctions): string | undefined {
	const { fileName } = context.getNodeParameter('options', {}) as { fileName?: unknown };
	const name = typeof fileName === 'string' || typeof fileName === 'number' ? String(fileName).trim() : '';
	return name || undefined;
}

/**
 * The body arrives as a stream and goes straight into n8n's binary store (to disk in n8n's
 * default filesystem mode), so a 10 MB file is never held in memory whole. JSON bodies are
 * small and read first: the service's JSON is never stored as the file.
 */
async function storeDownloadedFile(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const contentType = response.headers['content-type'];
	let body = response.body as ResponseBody;
	if (typeof contentType === 'string' && /\bjson\b/i.test(contentType)) {
		body = Buffer.isBuffer(body) ? body : await this.helpers.binaryToBuffer(body);
		const serviceJson = serviceJsonInstead(body, contentType);
		if (serviceJson) {
			throw new AgoraUnexpectedResponseError(
				'The service sent JSON instead of the file',
				typeof serviceJson.error_description === 'string'
					? serviceJson.error_description
					: 'It answered with file information rather than the file bytes. Check that the Host points at the Agora Chat REST API.',
			);
		}
	}
	const { groupId, fileId } = readIds(this);
	const knownName = optionFileName(this) ?? fileNameFromContentDisposition(response.headers['content-disposition']);
	const fileName = knownName ?? fileId;
	const mimeType = specificMimeType(contentType) ?? mimeTypeFromName(knownName) ?? GENERIC_MIME_TYPE;
	const binary = await this.helpers.prepareBinaryData(checkedBody(body, response.headers), fileName, mimeType);
	// prepareBinaryData takes the name as a path; the service's name is kept exactly, slashes and all.
	binary.fileName = fileName;
	binary.fileExtension = fileExtension(fileName);
	const fileSize = await storedSize(this, binary);
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
		return (await readSharedFiles(context, groupId)).find((file) => file.file_id === fileId)?.file_name;
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
	action: 'Download a shared file of a group',
	description: 'Download a shared file of a chat group as binary data',
	routing: {
		request: {
			method: 'GET',
			url: sharedFilePath,
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
	fileIdField('download'),
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the file in',
		displayOptions: { show: showForDownload },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showForDownload },
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.file_name }}',
				description:
					'Name of the output file. With it no look-up is needed; without it the name comes from the service, else from the group\'s file list (read once per run).',
			},
		],
	},
];
