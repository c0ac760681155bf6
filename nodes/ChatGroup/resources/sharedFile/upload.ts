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

import { agoraJson } from '../../shared/appRequest';
import { sharedFilesRoute } from '../../shared/descriptions';
import { describeFailure } from '../../shared/errors';
import { GENERIC_MIME_TYPE, mimeTypeFromName } from '../../shared/fileNames';
import { itemRequest, pairedWith, singleResult, withRetries } from '../../shared/itemHook';
import { itemParameter } from '../../shared/itemParameters';
import { multipartContentType, multipartFrame, newBoundary } from '../../shared/multipart';
import { sharedFilePath } from '../../shared/paths';
import {
	filesNamed,
	isClaimedFile,
	readSharedFiles,
	recordDeletedFile,
	recordUploadedFile,
	serviceClockOffset,
	withFileNameLock,
} from '../../shared/sharedFileList';
import type { SharedFile } from '../../shared/sharedFileList';
import { runsAsTool } from '../../shared/toolUse';
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
	return itemParameter(context, 'options', {}) as UploadOptions;
}

function describeBinaryFields(context: IExecuteSingleFunctions, binary: INodeExecutionData['binary']): string {
	const names = Object.keys(binary ?? {});
	if (names.length) return `The item's binary fields are: ${names.map((name) => `"${name}"`).join(', ')}. Set Input Binary Field to one of them.`;
	if (runsAsTool(context)) return 'n8n gives an AI tool no files (binary data), only text: Upload cannot be used by a model. Upload files in the workflow itself, outside the agent.';
	return 'The item has no binary data at all. Put a node that reads or downloads the file (e.g. Read/Write Files from Disk, HTTP Request, Google Drive) before this one.';
}

function readInputBinary(context: IExecuteSingleFunctions): { field: string; binary: IBinaryData } {
	const field = String(itemParameter(context, 'binaryPropertyName', 'data')).trim();
	const item = context.getInputData();
	const binary = field ? item.binary?.[field] : undefined;
	if (!binary) {
		throw inputError(
			context,
			field ? `The input item has no binary field "${field}"` : 'The Input Binary Field is empty',
			describeBinaryFields(context, item.binary),
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

/** What this item uploads, refused if the service would refuse it: nothing is sent then. */
async function checkedUpload(context: IExecuteSingleFunctions): Promise<UploadPlan> {
	const upload = await planUpload(context);
	const maxFileSizeMb = uploadOptions(context).maxFileSizeMb ?? DEFAULT_MAX_UPLOAD_MB;
	if (upload.fileSize > maxFileSizeMb * BYTES_PER_MB) {
		throw inputError(
			context,
			`The file is ${upload.fileSize.toLocaleString('en-US')} bytes; the upload limit is ${maxFileSizeMb} MB (${(maxFileSizeMb * BYTES_PER_MB).toLocaleString('en-US')} bytes)`,
			'Agora Chat accepts shared files up to 10 MB. Send a smaller file, or raise Max File Size in the options if your plan allows larger files.',
		);
	}
	return upload;
}

/**
 * Checks the upload before anything is sent, and names the body's format. As an AI tool the
 * checks wait for the request hook, where a refusal answers the model (shared/toolUse.ts).
 */
async function prepareUpload(this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	if (!runsAsTool(this)) await checkedUpload(this);
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

/** Without a measure of the service's clock (no answer told its time), a file this much older than the upload was not ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** With that measure: how much earlier than our attempt's start (by the service's clock) a file of ours may be dated. */
const CREATED_MARGIN_MS = 1000;

/** The upload answer's shape for a file of the list (one this item found, or skipped for). */
function asUploadAnswer(baseUrl: string, groupId: string, file: SharedFile): IDataObject {
	return {
		file_url: `${baseUrl}${sharedFilePath(groupId, file.file_id)}`,
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

/** How one upload ended: a stored file (the service's answer, or the file a lost answer had stored), or a doubt the node does not guess past. */
type UploadOutcome = { kind: 'stored'; file: IDataObject } | { kind: 'ambiguous'; error: NodeOperationError };

/**
 * When, by the service's clock, a file of this upload can have been created: not before
 * `earliest`, and during one of `windows` (an attempt, widened by a margin). The service's clock
 * is known from the list's answers (a lower bound of its offset to ours); without it, local times
 * with a generous skew.
 */
async function creationBounds(context: IExecuteSingleFunctions, attempts: Attempt[]): Promise<{ earliest: number; windows: Array<{ from: number; to: number }> }> {
	const offset = await serviceClockOffset(context);
	if (offset === undefined) {
		return {
			earliest: attempts[0].startedAt - CLOCK_SKEW_MS,
			windows: attempts.map(({ startedAt, endedAt }) => ({ from: startedAt - CREATED_MARGIN_MS, to: endedAt + CREATED_MARGIN_MS })),
		};
	}
	const windows = attempts.map(({ startedAt, endedAt }) => ({ from: startedAt + offset - CREATED_MARGIN_MS, to: endedAt + offset + CREATED_MARGIN_MS }));
	return { earliest: windows[0].from, windows };
}

/**
 * After an answer that may hide a stored file (5xx, reset, timeout), the list is read again,
 * by a read whose first page was asked for after the attempt ended. Ours is a file with the same
 * name and size that the list read before the upload did not show, created (by the service's
 * clock) after the upload's first attempt began, and not claimed by another item of this
 * execution. When several fit, the one created during one of this item's attempts is ours; if
 * that does not single one out, the node says so instead of guessing or sending again.
 */
async function findStoredUpload(
	context: IExecuteSingleFunctions,
	upload: UploadPlan,
	groupId: string,
	listedBefore: Set<string>,
	attempts: Attempt[],
): Promise<SharedFile | NodeOperationError | undefined> {
	const files = await readSharedFiles(context, groupId, { fresh: attempts[attempts.length - 1].endedAt });
	const { earliest, windows } = await creationBounds(context, attempts);
	const candidates: SharedFile[] = [];
	for (const file of filesNamed(files, upload.fileName)) {
		if (file.file_size !== upload.fileSize) continue;
		if (file.created < earliest || listedBefore.has(file.file_id)) continue;
		if (await isClaimedFile(context, groupId, file.file_id)) continue;
		candidates.push(file);
	}
	if (candidates.length <= 1) return candidates[0];
	const provable = candidates.filter((file) => windows.some((window) => file.created >= window.from && file.created <= window.to));
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
 * Sends the file, retried within the node's budget; after every failure that may hide a stored
 * file (also the last one) it looks for the file first, so a file is never stored twice, nor
 * reported as failed when it was stored. `listedBefore` is the group's list as read before the
 * upload. Returns the stored file (the service's answer), recorded in this execution's list.
 */
async function sendUpload(
	context: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	upload: UploadPlan,
	groupId: string,
	listedBefore: readonly SharedFile[],
): Promise<IDataObject> {
	const headers = requestData.options.headers ?? {};
	const boundary = String(headers['Content-Type']).split('boundary=')[1];
	const attempts: Attempt[] = [];
	const attemptOnce = async (): Promise<UploadOutcome> => {
		const attempt = { startedAt: Date.now(), endedAt: Infinity };
		attempts.push(attempt);
		try {
			const { body, length } = await uploadBody(context, upload, boundary);
			const options = { ...requestData.options, body, headers: { ...headers, 'Content-Length': String(length) } };
			const [answer] = await context.makeRoutingRequest({ ...requestData, options });
			return { kind: 'stored', file: answer?.json ?? {} };
		} finally {
			attempt.endedAt = Date.now();
		}
	};
	const lookForStoredFile = async (): Promise<UploadOutcome | undefined> => {
		const found = await findStoredUpload(context, upload, groupId, new Set(listedBefore.map((file) => file.file_id)), attempts);
		if (found instanceof NodeOperationError) return { kind: 'ambiguous', error: found };
		return found ? { kind: 'stored', file: asUploadAnswer(String(requestData.options.baseURL), groupId, found) } : undefined;
	};
	const outcome = await withRetries(context, attemptOnce, { recoverUncertain: lookForStoredFile });
	if (outcome.kind === 'ambiguous') throw outcome.error;
	await recordUploadedFile(context, groupId, outcome.file);
	return outcome.file;
}

/** Deletes the older files of the name, after the kept one is safe; a file already gone counts as deleted. */
async function deleteReplaced(
	context: IExecuteSingleFunctions,
	groupId: string,
	kept: { file: IDataObject; uploaded: boolean },
	older: readonly SharedFile[],
): Promise<string[]> {
	const { file: stored, uploaded } = kept;
	const replaced: string[] = [];
	for (const file of older) {
		try {
			await agoraJson(context, {
				method: 'DELETE',
				url: sharedFilePath(groupId, file.file_id),
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
 * One item's upload, after every earlier item of this execution with the same name. The group's
 * list (read once per group per execution) comes first in every mode: with Skip or Replace If
 * Different it decides whether the file is sent, and after a lost answer it tells this upload's
 * file from the files that were there before. Older files of the name go only after a good upload.
 */
async function uploadSharedFile(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const upload = runsAsTool(this) ? await checkedUpload(this) : await planUpload(this);
	const groupId = readIdentifier(this, 'groupId');
	const ifFileExists = uploadOptions(this).ifFileExists ?? 'keepBoth';
	const baseUrl = String(requestData.options.baseURL);
	return await withFileNameLock(this, groupId, upload.fileName, async () => {
		const listed = await readSharedFiles(this, groupId);
		if (ifFileExists === 'keepBoth') return [pairedWith(this, await sendUpload(this, requestData, upload, groupId, listed))];
		const sameName = filesNamed(listed, upload.fileName);
		if (ifFileExists === 'skip') {
			if (sameName.length) return [pairedWith(this, { ...asUploadAnswer(baseUrl, groupId, sameName[0]), skipped: true })];
			return [pairedWith(this, { ...(await sendUpload(this, requestData, upload, groupId, listed)), skipped: false })];
		}
		// The newest file of the name with the same size counts as unchanged: the API gives no checksum to
		// compare. Older copies of the name go either way, so the name is in the group once.
		const [newest, ...olderCopies] = sameName;
		if (newest && newest.file_size === upload.fileSize) {
			const existing = asUploadAnswer(baseUrl, groupId, newest);
			const replacedFileIds = await deleteReplaced(this, groupId, { file: existing, uploaded: false }, olderCopies);
			return [pairedWith(this, { ...existing, skipped: true, replacedFileIds })];
		}
		const stored = await sendUpload(this, requestData, upload, groupId, listed);
		const older = sameName.filter((file) => file.file_id !== stored.file_id);
		const replacedFileIds = await deleteReplaced(this, groupId, { file: stored, uploaded: true }, older);
		return [pairedWith(this, { ...stored, skipped: false, replacedFileIds })];
	});
}

const showForUpload = { resource: ['sharedFile'], operation: ['upload'] };

export const uploadSharedFileOperation: INodePropertyOptions = {
	name: 'Upload',
	value: 'upload',
	action: 'Upload a file from binary data to a group',
	description: 'Upload a file from the input item to a chat group (at most 10 MB)',
	routing: {
		request: { method: 'POST', url: sharedFilesRoute },
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
		// Not `required`: n8n's own check of an empty required field ends `n8n execute` without naming it; the node refuses it, naming it.
		hint: 'The name of the input binary field containing the file to be uploaded',
		displayOptions: { show: showForUpload },
	},
];

/** Upload's entries of the node's one Options collection (see operationOptions in shared/descriptions.ts). */
export const uploadSharedFileOptions: INodeProperties[] = [
	{
		displayName: 'If a File With the Same Name Exists',
		name: 'ifFileExists',
		type: 'options',
		default: 'keepBoth',
		description: 'What to do when the group already has a file of this name (compared case-insensitively)',
		displayOptions: { show: { '/operation': ['upload'] } },
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
					'Destructive: deletes every older file of that name (replacedFileIds), after a good upload. If the newest file of that name has the same size, it counts as unchanged and nothing is uploaded.',
			},
		],
	},
	{
		displayName: 'Max File Size (MB)',
		name: 'maxFileSizeMb',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_MAX_UPLOAD_MB,
		description: 'Larger files are refused before sending. Agora Chat accepts 10 MB; raise this only if your plan allows larger files.',
		displayOptions: { show: { '/operation': ['upload'] } },
	},
];
