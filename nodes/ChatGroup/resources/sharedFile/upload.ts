import type {
	DeclarativeRestApiSettings,
	IBinaryData,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { sharedFilesPath } from '../../shared/descriptions';
import { GENERIC_MIME_TYPE, mimeTypeFromName } from '../../shared/fileNames';
import { multipartContentType, multipartFrame, newBoundary } from '../../shared/multipart';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/transport';
import { inputError, readIdentifier } from '../../shared/validation';
import { sharedFilePages } from './getAll';

/** "10 MB" read the generous way (10 × 1024 × 1024), so the node never refuses what the service takes. */
export const DEFAULT_MAX_UPLOAD_MB = 10;
const BYTES_PER_MB = 1024 * 1024;

function uploadOptions(context: IExecuteSingleFunctions): { fileName?: string; maxFileSizeMb?: number } {
	return context.getNodeParameter('options', {}) as { fileName?: string; maxFileSizeMb?: number };
}

function describeBinaryFields(binary: INodeExecutionData['binary']): string {
	const names = Object.keys(binary ?? {});
	return names.length
		? `The item's binary fields are: ${names.map((name) => `"${name}"`).join(', ')}. Set Input Binary Field to one of them.`
		: 'The item has no binary data at all. Put a node that reads or downloads the file (e.g. Read/Write Files from Disk, HTTP Request, Google Drive) before this one.';
}

function readInputBinary(context: IExecuteSingleFunctions): { field: string; binary: IBinaryData } {
	const field = String(context.getNodeParameter('binaryPropertyName', 'data')).trim();
	const item = context.getInputData();
	const binary = field ? item.binary?.[field] : undefined;
	if (!binary) {
		throw inputError(
			context,
			field ? `The input item has no binary field "${field}"` : 'The Input Binary Field is empty',
			describeBinaryFields(item.binary),
		);
	}
	return { field, binary };
}

async function binarySize(context: IExecuteSingleFunctions, binary: IBinaryData): Promise<number> {
	if (binary.id) return (await context.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
}

interface UploadPlan {
	field: string;
	binary: IBinaryData;
	fileName: string;
	fileSize: number;
	contentType: string;
}

/** What this item uploads: read from the input item, so the request and the duplicate check agree. */
async function planUpload(context: IExecuteSingleFunctions): Promise<UploadPlan> {
	const { field, binary } = readInputBinary(context);
	const options = uploadOptions(context);
	const fileName = options.fileName?.trim() || binary.fileName || 'file';
	// n8n labels data of unknown type text/plain; the name is a better guide then.
	const labelledType = binary.mimeType && binary.mimeType !== 'text/plain' ? binary.mimeType : undefined;
	return {
		field,
		binary,
		fileName,
		fileSize: await binarySize(context, binary),
		contentType: labelledType ?? mimeTypeFromName(fileName) ?? binary.mimeType ?? GENERIC_MIME_TYPE,
	};
}

/** Refuses what the service would refuse, before anything is sent, and names the body's format. */
async function prepareUpload(this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const upload = await planUpload(this);
	const maxFileSizeMb = uploadOptions(this).maxFileSizeMb ?? DEFAULT_MAX_UPLOAD_MB;
	if (upload.fileSize > maxFileSizeMb * BYTES_PER_MB) {
		throw inputError(
			this,
			`The file is ${upload.fileSize.toLocaleString('en-US')} bytes; the upload limit is ${maxFileSizeMb} MB (${(maxFileSizeMb * BYTES_PER_MB).toLocaleString('en-US')} bytes)`,
			'Agora Chat accepts shared files up to 10 MB. Send a smaller file, or raise Max File Size in the options if your plan allows larger files.',
		);
	}
	return {
		...requestOptions,
		json: false,
		// Following redirects would keep a copy of the whole body to resend it; the service answers uploads directly.
		disableFollowRedirect: true,
		headers: { ...requestOptions.headers, 'Content-Type': multipartContentType(newBoundary()), Accept: 'application/json' },
	};
}

type BinaryStream = Awaited<ReturnType<IExecuteSingleFunctions['helpers']['getBinaryStream']>>;

/**
 * The multipart body, made anew for every attempt (a stream is spent once sent). A file n8n
 * keeps on disk (its default in 2.x) is streamed from there, never held in memory whole.
 * `Readable.from` is reached through the file's own stream: n8n Cloud forbids importing `stream`.
 */
async function uploadBody(context: IExecuteSingleFunctions, upload: UploadPlan, boundary: string): Promise<{ body: Buffer | BinaryStream; length: number }> {
	const { head, tail } = multipartFrame({ fieldName: 'file', fileName: upload.fileName, contentType: upload.contentType }, boundary);
	const length = head.length + upload.fileSize + tail.length;
	if (!upload.binary.id) {
		return { body: Buffer.concat([head, await context.helpers.getBinaryDataBuffer(upload.field), tail]), length };
	}
	const file = await context.helpers.getBinaryStream(upload.binary.id);
	const readableFrom = (file.constructor as unknown as { from: (source: AsyncIterable<Buffer>) => BinaryStream }).from;
	async function* framed(): AsyncIterable<Buffer> {
		yield head;
		for await (const chunk of file) yield chunk as Buffer;
		yield tail;
	}
	return { body: readableFrom(framed()), length };
}

/** Clocks differ between n8n and the service; a file this much older was not ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * After a reset or timeout the service may have stored the file although no answer came.
 * A file with the same name and size created since the attempt began is taken as ours.
 */
async function findStoredUpload(
	context: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	startedAt: number,
): Promise<INodeExecutionData[] | undefined> {
	const sent = await planUpload(context);
	const groupId = readIdentifier(context, 'groupId');
	for await (const files of sharedFilePages(context, requestData, groupId)) {
		const stored = files.find(
			(file) =>
				file.file_name === sent.fileName &&
				Number(file.file_size) === sent.fileSize &&
				Number(file.created) >= startedAt - CLOCK_SKEW_MS,
		);
		if (stored) {
			return [
				pairedWith(context, {
					file_url: `${requestData.options.baseURL}/chatgroups/${encodeURIComponent(groupId)}/share_files/${encodeURIComponent(String(stored.file_id))}`,
					group_id: groupId,
					file_name: stored.file_name,
					created: stored.created,
					file_id: stored.file_id,
					file_size: stored.file_size,
				}),
			];
		}
	}
	return undefined;
}

async function uploadWithoutDuplicates(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const startedAt = Date.now();
	const upload = await planUpload(this);
	const headers = requestData.options.headers ?? {};
	const boundary = String(headers['Content-Type']).split('boundary=')[1];
	const sendOnce = async () => {
		const { body, length } = await uploadBody(this, upload, boundary);
		const options = { ...requestData.options, body, headers: { ...headers, 'Content-Length': String(length) } };
		return await this.makeRoutingRequest({ ...requestData, options });
	};
	return await withRetries(this, sendOnce, {
		recoverUncertain: async () => await findStoredUpload(this, requestData, startedAt),
	});
}

const showForUpload = { resource: ['sharedFile'], operation: ['upload'] };

export const uploadSharedFileOperation: INodePropertyOptions = {
	name: 'Upload',
	value: 'upload',
	action: 'Upload a shared file to a group',
	description: 'Upload a file from the input item to a chat group (at most 10 MB)',
	routing: {
		request: { method: 'POST', url: sharedFilesPath },
		send: { paginate: true, preSend: [prepareUpload] },
		operations: { pagination: itemRequest(uploadWithoutDuplicates) },
		output: { postReceive: [singleResult((data) => data)] },
	},
};

export const uploadSharedFileFields: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field containing the file to be uploaded',
		displayOptions: { show: showForUpload },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showForUpload },
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. report.pdf',
				description: 'Name to store the file under, instead of the name the binary data carries',
			},
			{
				displayName: 'Max File Size (MB)',
				name: 'maxFileSizeMb',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_UPLOAD_MB,
				description: 'Larger files are refused before sending. Agora Chat accepts 10 MB; raise this only if your plan allows larger files.',
			},
		],
	},
];
