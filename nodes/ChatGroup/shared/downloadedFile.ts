/**
 * A download answer stored as n8n binary data: shared by the Download operation and the
 * trigger's Download Files option, so that both name, type and check a file the same way.
 */
import type { IBinaryData, IDataObject, IExecuteSingleFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import type { AgoraContext } from './agoraApp';
import { AgoraIncompleteDownloadError, AgoraUnexpectedResponseError, describeFailure, isRetryable, toNodeError } from './errors';
import type { FailureContext } from './errors';
import { GENERIC_MIME_TYPE, mimeTypeFromName, specificMimeType } from './fileNames';
import { sharedFilePath } from './paths';
import { retryDelayMs } from './retryPolicy';
import type { RetryBudget } from './retryPolicy';
import { agoraRequest } from './sendAndJudge';

/** What storing needs of a node context: an operation's item, or a trigger's poll. */
export interface BinaryStoreContext {
	helpers: Pick<IExecuteSingleFunctions['helpers'], 'prepareBinaryData' | 'binaryToBuffer' | 'getBinaryMetadata'>;
}

type ResponseBody = Parameters<IExecuteSingleFunctions['helpers']['prepareBinaryData']>[0];

type BodyStream = Exclude<ResponseBody, Buffer>;

export function fileExtension(fileName: string): string | undefined {
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

async function storedSize(context: BinaryStoreContext, binary: IBinaryData): Promise<number> {
	const recorded = (binary as IBinaryData & { bytes?: number }).bytes;
	if (typeof recorded === 'number') return recorded;
	if (binary.id) return (await context.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
}

export interface StoredDownload {
	binary: IBinaryData;
	mimeType: string;
	fileSize: number;
}

/**
 * The body arrives as a stream and goes straight into n8n's binary store (to disk in n8n's
 * default filesystem mode), so a 10 MB file is never held in memory whole. JSON bodies are
 * small and read first: the service's JSON is never stored as the file. The type is the
 * service's Content-Type, else the one `knownName` says, else generic.
 */
export async function storeDownloadedBody(
	context: BinaryStoreContext,
	response: IN8nHttpFullResponse,
	fileName: string,
	knownName: string | undefined,
): Promise<StoredDownload> {
	const contentType = response.headers['content-type'];
	let body = response.body as ResponseBody;
	if (typeof contentType === 'string' && /\bjson\b/i.test(contentType)) {
		body = Buffer.isBuffer(body) ? body : await context.helpers.binaryToBuffer(body);
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
	const mimeType = specificMimeType(contentType) ?? mimeTypeFromName(knownName) ?? GENERIC_MIME_TYPE;
	const binary = await context.helpers.prepareBinaryData(checkedBody(body, response.headers), fileName, mimeType);
	// prepareBinaryData takes the name as a path; the service's name is kept exactly, slashes and all.
	binary.fileName = fileName;
	binary.fileExtension = fileExtension(fileName);
	return { binary, mimeType, fileSize: await storedSize(context, binary) };
}

export interface SharedFileDownload {
	budget: RetryBudget;
	about: FailureContext;
	timeout?: number;
	/** The name the file is known by, if any, once its answer is in (its headers may tell). */
	knownName: (response: IN8nHttpFullResponse) => string | undefined;
	/** The name of a file known by none. */
	fallbackName: string;
	/** A refused id and any body the store refused become the user's error too, not only a body that stayed short. */
	nameStoreFailures?: boolean;
}

/**
 * The triggers' download of one shared file (outside the declarative operation): sent, stored in
 * n8n's binary store, and fetched again while its body ends short or breaks off and the budget
 * allows. A transfer still failing at the end fails as the user's error; the request's own
 * failures come as thrown.
 */
export async function downloadSharedFile(
	context: AgoraContext & BinaryStoreContext,
	groupId: string,
	fileId: string,
	{ budget, about, timeout, knownName, fallbackName, nameStoreFailures = false }: SharedFileDownload,
): Promise<StoredDownload & { knownName: string | undefined }> {
	const named = (error: unknown, attempts?: number) => toNodeError(context.getNode(), describeFailure(error), attempts ? { ...about, attempts } : about);
	let url: string;
	try {
		url = sharedFilePath(groupId, fileId);
	} catch (error) {
		throw nameStoreFailures ? named(error) : error;
	}
	const request = {
		method: 'GET' as const,
		url,
		encoding: 'stream' as const,
		json: false,
		// Uncompressed, so that Content-Length is the file's own length.
		headers: { Accept: 'application/octet-stream', 'Accept-Encoding': 'identity' },
		timeout,
	};
	for (let attempt = 1; ; attempt++) {
		const response = await agoraRequest(context, request, { budget, about });
		const name = knownName(response);
		try {
			return { ...(await storeDownloadedBody(context, response, name ?? fallbackName, name)), knownName: name };
		} catch (error) {
			// The body ended short or its connection broke after the answer's headers: the transfer's fault, so fetched again.
			const failure = describeFailure(error);
			const transient = isRetryable(failure);
			const delayMs = retryDelayMs(budget.policy, attempt, failure);
			if (!transient || attempt > budget.policy.maxRetries || !budget.allows(delayMs)) {
				throw transient || nameStoreFailures ? named(error, attempt) : error;
			}
			await budget.wait(delayMs);
		}
	}
}
