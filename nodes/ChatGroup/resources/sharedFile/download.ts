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
import { itemRequest, withRetries } from '../../shared/transport';
import { readIdentifier } from '../../shared/validation';
import { sharedFilePages } from './getAll';

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

/** The bytes n8n stored: `bytes` where n8n records it, else what the store or the inline data says. */
async function storedSize(context: IExecuteSingleFunctions, binary: IBinaryData): Promise<number> {
	const recorded = (binary as IBinaryData & { bytes?: number }).bytes;
	if (typeof recorded === 'number') return recorded;
	if (binary.id) return (await context.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
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
	const namedByService = fileNameFromContentDisposition(response.headers['content-disposition']);
	const fileName = namedByService ?? fileId;
	const mimeType = specificMimeType(contentType) ?? mimeTypeFromName(namedByService) ?? GENERIC_MIME_TYPE;
	const binary = await this.helpers.prepareBinaryData(body, fileName, mimeType);
	// prepareBinaryData takes the name as a path; the service's name is kept exactly, slashes and all.
	binary.fileName = fileName;
	binary.fileExtension = fileExtension(fileName);
	const fileSize = await storedSize(this, binary);
	const declaredLength = Number(response.headers['content-length']);
	if (Number.isFinite(declaredLength) && declaredLength !== fileSize) {
		throw new AgoraIncompleteDownloadError(fileSize, declaredLength);
	}
	return [
		{
			json: { groupId, fileId, fileName: namedByService ?? null, mimeType, fileSize },
			binary: { [outputField(this)]: binary },
			pairedItem: { item: this.getItemIndex() },
		},
	];
}

/**
 * An error answer on a streamed request arrives unread: read it, so its JSON can be shown.
 * n8n 2.x keeps it on the wrapped axios error's response, n8n 1.x in the wrapper's context.
 */
async function readStreamedErrorBody(context: IExecuteSingleFunctions, error: unknown): Promise<void> {
	type Level = { cause?: unknown; response?: { data?: unknown }; context?: { data?: unknown } };
	const isStream = (data: unknown): data is ResponseBody => !!data && typeof (data as { pipe?: unknown }).pipe === 'function';
	// Both places may hold the same stream, which can be read only once.
	const bodies = new Map<ResponseBody, Promise<Buffer | undefined>>();
	const read = async (data: ResponseBody) => {
		if (!bodies.has(data)) bodies.set(data, context.helpers.binaryToBuffer(data).catch(() => undefined));
		return await bodies.get(data);
	};
	for (let level = error as Level | undefined; level; level = level.cause as Level | undefined) {
		if (level.response && isStream(level.response.data)) level.response.data = await read(level.response.data);
		if (level.context && isStream(level.context.data)) level.context.data = await read(level.context.data);
	}
}

/** Per-process only (n8n may run each execution in another worker): names of a group's files, briefly. */
const NAME_CACHE_TTL_MS = 60_000;
const fileNamesByGroup = new Map<string, { fetchedAt: number; names: Map<string, string> }>();

async function listFileNames(
	context: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	groupId: string,
): Promise<Map<string, string>> {
	const names = new Map<string, string>();
	for await (const files of sharedFilePages(context, requestData, groupId)) {
		for (const file of files) names.set(String(file.file_id), String(file.file_name));
	}
	return names;
}

async function lookUpFileName(
	context: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	groupId: string,
	fileId: string,
): Promise<string | undefined> {
	const cacheKey = `${requestData.options.baseURL}\n${groupId}`;
	const cached = fileNamesByGroup.get(cacheKey);
	if (cached && Date.now() - cached.fetchedAt < NAME_CACHE_TTL_MS && cached.names.has(fileId)) {
		return cached.names.get(fileId);
	}
	const names = await listFileNames(context, requestData, groupId);
	fileNamesByGroup.set(cacheKey, { fetchedAt: Date.now(), names });
	return names.get(fileId);
}

function renameBinary(binary: IBinaryData, fileName: string): void {
	binary.fileName = fileName;
	binary.fileExtension = fileExtension(fileName);
	if (binary.mimeType === GENERIC_MIME_TYPE) binary.mimeType = mimeTypeFromName(fileName) ?? GENERIC_MIME_TYPE;
}

/** The service does not document a Content-Disposition; without one the name comes from the file list. */
async function downloadWithName(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const items = await withRetries(
		this,
		async () =>
			await this.makeRoutingRequest(requestData).catch(async (error: Error) => {
				await readStreamedErrorBody(this, error);
				throw error;
			}),
	);
	for (const item of items) {
		if (item.json.fileName !== null) continue;
		const { groupId, fileId } = readIds(this);
		const binary = item.binary?.[outputField(this)];
		const fileName = (await lookUpFileName(this, requestData, groupId, fileId)) ?? fileId;
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
			headers: { Accept: 'application/octet-stream' },
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
];
