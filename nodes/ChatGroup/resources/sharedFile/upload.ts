import { NodeOperationError } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IBinaryData,
	IDataObject,
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
import { agoraJson } from '../../shared/appRequest';
import { describeFailure, isUncertain } from '../../shared/errors';
import type { AgoraFailure } from '../../shared/errors';
import {
	isClaimedFile,
	knownSharedFiles,
	readSharedFiles,
	recordDeletedFile,
	recordUploadedFile,
	sameFileName,
	withFileNameLock,
} from '../../shared/sharedFileList';
import type { SharedFile } from '../../shared/sharedFileList';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/transport';
import { inputError, readIdentifier } from '../../shared/validation';

/** "10 MB" read the generous way (10 × 1024 × 1024), so the node never refuses what the service takes. */
export const DEFAULT_MAX_UPLOAD_MB = 10;
const BYTES_PER_MB = 1024 * 1024;

type IfFileExists = 'keepBoth' | 'skip' | 'replaceIfDifferent';

interface UploadOptions {
	fileName?: string;
	maxFileSizeMb?: number;
	ifFileExists?: IfFileExists;
}

function uploadOptions(context: IExecuteSingleFunctions): UploadOptions {
	return context.getNodeParameter('options', {}) as UploadOptions;
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

/** A gateway error, like a lost answer, may come after the service stored the file. */
function mayHaveStored(failure: AgoraFailure): boolean {
	return isUncertain(failure) || (failure.kind === 'http' && failure.status !== undefined && failure.status >= 500);
}

/** The upload answer's shape for a file of the list (one this item found, or skipped for). */
function asUploadAnswer(baseUrl: string, groupId: string, file: SharedFile): IDataObject {
	return {
		file_url: `${baseUrl}/chatgroups/${encodeURIComponent(groupId)}/share_files/${encodeURIComponent(file.file_id)}`,
		group_id: groupId,
		file_name: file.file_name,
		created: file.created,
		file_id: file.file_id,
		file_size: file.file_size,
	};
}

interface Attempt {
	startedAt: number;
	endedAt: number;
}

/**
 * After an answer that may hide a stored file (5xx, reset, timeout), the list is read again
 * before the next attempt. Ours is a file with the same name and size, created since the
 * upload began, not in the list read before it began, and not claimed by another item of
 * this execution. When several fit, the one created during one of this item's attempts is
 * ours; if that does not single one out, the node says so instead of guessing or sending again.
 */
async function findStoredUpload(
	context: IExecuteSingleFunctions,
	upload: UploadPlan,
	groupId: string,
	knownBefore: Set<string>,
	attempts: Attempt[],
): Promise<SharedFile | NodeOperationError | undefined> {
	const began = attempts[0].startedAt;
	const files = await readSharedFiles(context, groupId, { fresh: true });
	const candidates: SharedFile[] = [];
	for (const file of files) {
		if (!sameFileName(file.file_name, upload.fileName) || file.file_size !== upload.fileSize) continue;
		if (file.created < began - CLOCK_SKEW_MS || knownBefore.has(file.file_id)) continue;
		if (await isClaimedFile(context, groupId, file.file_id)) continue;
		candidates.push(file);
	}
	if (candidates.length <= 1) return candidates[0];
	const provable = candidates.filter((file) => attempts.some((attempt) => file.created >= attempt.startedAt - 1000 && file.created <= attempt.endedAt + 1000));
	if (provable.length === 1) return provable[0];
	return new NodeOperationError(
		context.getNode(),
		`The answer to the upload of "${upload.fileName}" was lost, and ${candidates.length} files of that name and size have appeared in the group since: ${candidates.map((file) => file.file_id).join(', ')}`,
		{
			description:
				'The node cannot tell which one this item stored, so it neither uploads the file again nor picks one. Check the group\'s files (Shared File > Get Many) and delete the extra copies.',
			itemIndex: context.getItemIndex(),
		},
	);
}

/**
 * Sends the file, retried within the node's budget; before each retry that follows an
 * uncertain failure (and once more when no retry is left) it looks for the file, so a file
 * is never stored twice, nor reported as failed when it was stored. Returns the
 * stored file (the service's answer), recorded in this execution's list.
 */
async function sendUpload(
	context: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	upload: UploadPlan,
	groupId: string,
): Promise<IDataObject> {
	const knownBefore = new Set((await knownSharedFiles(context, groupId))?.map((file) => file.file_id));
	const headers = requestData.options.headers ?? {};
	const boundary = String(headers['Content-Type']).split('boundary=')[1];
	const attempts: Attempt[] = [];
	let lookFirst = false;
	// Raised outside the retry loop: it is the answer, not a failure to retry.
	let ambiguity: NodeOperationError | undefined;
	const sendOnce = async (): Promise<IDataObject> => {
		if (lookFirst) {
			const found = await findStoredUpload(context, upload, groupId, knownBefore, attempts);
			if (found instanceof NodeOperationError) {
				ambiguity = found;
				return {};
			}
			if (found) return asUploadAnswer(String(requestData.options.baseURL), groupId, found);
		}
		const attempt = { startedAt: Date.now(), endedAt: Infinity };
		attempts.push(attempt);
		return await uploadBody(context, upload, boundary)
			.then(async ({ body, length }) => {
				const options = { ...requestData.options, body, headers: { ...headers, 'Content-Length': String(length) } };
				const [answer] = await context.makeRoutingRequest({ ...requestData, options });
				return answer?.json ?? {};
			})
			.catch((error: Error) => {
				lookFirst = mayHaveStored(describeFailure(error));
				throw error;
			})
			.finally(() => {
				attempt.endedAt = Date.now();
			});
	};
	const stored = await withRetries(context, sendOnce).catch(async (error: Error) => {
		// Out of retries after an uncertain failure: one last look, so a stored file is not reported as lost.
		if (!lookFirst) throw error;
		const found = await findStoredUpload(context, upload, groupId, knownBefore, attempts).catch(() => undefined);
		if (found instanceof NodeOperationError) ambiguity = found;
		else if (found) return asUploadAnswer(String(requestData.options.baseURL), groupId, found);
		throw ambiguity ?? error;
	});
	if (ambiguity) throw ambiguity;
	await recordUploadedFile(context, groupId, stored);
	return stored;
}

/** Deletes the older files of the name, after the kept one is safe; a file already gone counts as deleted. */
async function deleteReplaced(
	context: IExecuteSingleFunctions,
	groupId: string,
	kept: { file: IDataObject; uploaded: boolean },
	older: SharedFile[],
): Promise<string[]> {
	const { file: stored, uploaded } = kept;
	const replaced: string[] = [];
	for (const file of older) {
		try {
			await agoraJson(context, {
				method: 'DELETE',
				url: `/chatgroups/${encodeURIComponent(groupId)}/share_files/${encodeURIComponent(file.file_id)}`,
				groupId,
				fileId: file.file_id,
				operation: 'delete',
			});
		} catch (error) {
			if (describeFailure(error).status !== 404) {
				throw new NodeOperationError(
					context.getNode(),
					`${uploaded ? 'Uploaded' : 'Kept the unchanged'} "${String(stored.file_name)}" as file ${String(stored.file_id)}, but could not delete the older file ${file.file_id}: ${(error as Error).message}`,
					{
						description: `The ${uploaded ? 'new' : 'unchanged'} file stays in the group${replaced.length ? `, and ${replaced.join(', ')} were deleted` : ''}. Delete the older file with Shared File > Delete (File ID ${file.file_id}). ${(error as NodeOperationError).description ?? ''}`.trim(),
						itemIndex: context.getItemIndex(),
					},
				);
			}
		}
		await recordDeletedFile(context, groupId, file.file_id);
		replaced.push(file.file_id);
	}
	return replaced;
}

/**
 * One item's upload, after every earlier item of this execution with the same name: with
 * Skip or Replace If Different the group's list (read once per group per execution) decides
 * whether the file is sent, and older files of the name go only after a good upload.
 */
async function uploadSharedFile(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const upload = await planUpload(this);
	const groupId = readIdentifier(this, 'groupId');
	const ifFileExists = uploadOptions(this).ifFileExists ?? 'keepBoth';
	const baseUrl = String(requestData.options.baseURL);
	return await withFileNameLock(this, groupId, upload.fileName, async () => {
		if (ifFileExists === 'keepBoth') return [pairedWith(this, await sendUpload(this, requestData, upload, groupId))];
		const sameName = (await readSharedFiles(this, groupId)).filter((file) => sameFileName(file.file_name, upload.fileName));
		if (ifFileExists === 'skip') {
			if (sameName.length) return [pairedWith(this, { ...asUploadAnswer(baseUrl, groupId, sameName[0]), skipped: true })];
			return [pairedWith(this, { ...(await sendUpload(this, requestData, upload, groupId)), skipped: false })];
		}
		// The newest file of the name with the same size counts as unchanged: the API gives no checksum to
		// compare. Older copies of the name go either way, so the name is in the group once.
		const [newest, ...olderCopies] = sameName;
		if (newest && newest.file_size === upload.fileSize) {
			const existing = asUploadAnswer(baseUrl, groupId, newest);
			const replacedFileIds = await deleteReplaced(this, groupId, { file: existing, uploaded: false }, olderCopies);
			return [pairedWith(this, { ...existing, skipped: true, replacedFileIds })];
		}
		const stored = await sendUpload(this, requestData, upload, groupId);
		const older = sameName.filter((file) => file.file_id !== stored.file_id);
		const replacedFileIds = await deleteReplaced(this, groupId, { file: stored, uploaded: true }, older);
		return [pairedWith(this, { ...stored, skipped: false, replacedFileIds })];
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
		operations: { pagination: itemRequest(uploadSharedFile) },
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
				displayName: 'If a File With the Same Name Exists',
				name: 'ifFileExists',
				type: 'options',
				default: 'keepBoth',
				description: 'What to do when the group already has a file of this name (compared case-insensitively)',
				options: [
					{
						name: 'Upload Anyway',
						value: 'keepBoth',
						description: 'Upload the file; the group then holds both',
					},
					{
						name: 'Skip',
						value: 'skip',
						description: 'Upload nothing; the output is the existing file (the newest of that name) with skipped: true',
					},
					{
						name: 'Replace If Different',
						value: 'replaceIfDifferent',
						description:
							'If the newest file of that name has the same size, it counts as unchanged and nothing is uploaded; otherwise upload. Then every older file of that name is deleted (replacedFileIds).',
					},
				],
			},
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
