/** The multipart upload of `POST …/share_files`: one part named `file`. */
import busboy from 'busboy';

import { ClientAbortedError, type RawRequest } from './request-body';

export const FILE_PART_NAME = 'file';

const DEFAULT_FILE_TYPE = 'application/octet-stream';

// Enough of the body's start to find the file part's own headers (see partDeclaresContentType).
const HEADER_SNIFF_BYTES = 64 * 1024;

export interface UploadedFilePart {
	fieldName: string;
	fileName: string;
	contentType: string;
	/** Bytes received in the part. */
	size: number;
	/** The content; undefined when `size` exceeded the limit (the bytes were not kept). */
	bytes?: Buffer;
}

export type MultipartUpload =
	| {
			outcome: 'parsed';
			/** The first part named `file` that carried a filename. */
			file?: UploadedFilePart;
			/** Bytes of the whole request body. */
			bodyBytes: number;
	  }
	| {
			outcome: 'notMultipart' | 'malformed';
			reason: string;
			/** Bytes read before giving up; the caller drains the rest. */
			bodyBytes: number;
	  };

/**
 * Undoes WHATWG form encoding of a filename, which is what browsers, undici's FormData and
 * well-behaved clients send: UTF-8 bytes as they are, only `"`, CR and LF percent-encoded.
 * Nothing else is decoded, so a literal "%41" in a name stays "%41".
 */
export function decodeFormFileName(name: string): string {
	return name.replace(/%(22|0D|0A)/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function boundaryOf(contentType: string): string | undefined {
	const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	return match?.[1] ?? match?.[2];
}

/**
 * Whether the part headers of the `file` part include a Content-Type. busboy reports a missing
 * one as text/plain (RFC 7578's default); the emulator stores application/octet-stream instead,
 * so it looks at the raw headers when busboy says text/plain. undefined: headers not found.
 */
function partDeclaresContentType(bodyStart: Buffer, boundary: string): boolean | undefined {
	const text = bodyStart.toString('latin1');
	for (const part of text.split(`--${boundary}`).slice(1)) {
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd < 0) continue;
		const headers = part.slice(0, headerEnd);
		const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
		const namesFilePart = /(?:^|[;\s])name="?file"?(?:[;\s]|$)/i.test(disposition);
		if (namesFilePart && /filename/i.test(disposition)) return /^content-type:/im.test(headers);
	}
	return undefined;
}

/** busboy throws on a missing or bad boundary; that is a malformed request, not a crash. */
function createParser(raw: RawRequest): busboy.Busboy | Error {
	try {
		// preservePath: keep names as sent (with slashes or backslashes); the service stores them so.
		return busboy({ headers: raw.headers, defParamCharset: 'utf8', preservePath: true });
	} catch (error) {
		return error instanceof Error ? error : new Error(String(error));
	}
}

/**
 * Streams the body through busboy. Files larger than `maxFileBytes` are counted but not kept.
 * When parsed the whole body has been read; otherwise the caller drains the rest.
 * Rejects only with ClientAbortedError.
 */
export async function readMultipartUpload(raw: RawRequest, maxFileBytes: number): Promise<MultipartUpload> {
	const contentType = raw.headers['content-type'] ?? '';
	if (!/^multipart\/form-data(\s*;|$)/i.test(contentType)) {
		return { outcome: 'notMultipart', reason: 'Current request is not a multipart request', bodyBytes: 0 };
	}

	const parser = createParser(raw);
	if (parser instanceof Error) return { outcome: 'malformed', reason: parser.message, bodyBytes: 0 };

	return await new Promise<MultipartUpload>((resolve, reject) => {
		let bodyBytes = 0;
		const bodyStart: Buffer[] = [];
		let bodyStartBytes = 0;
		let file: UploadedFilePart | undefined;
		let fileChunks: Buffer[] = [];
		let parseError: Error | undefined;
		let settled = false;

		const settle = (outcome: () => void) => {
			if (settled) return;
			settled = true;
			outcome();
		};

		const finish = () =>
			settle(() => {
				if (parseError) {
					resolve({ outcome: 'malformed', reason: parseError.message, bodyBytes });
					return;
				}
				if (file) {
					if (file.size <= maxFileBytes) file.bytes = Buffer.concat(fileChunks);
					if (file.contentType === 'text/plain') {
						const declared = partDeclaresContentType(Buffer.concat(bodyStart), boundaryOf(contentType) ?? '');
						if (declared === false) file.contentType = DEFAULT_FILE_TYPE;
					}
				}
				resolve({ outcome: 'parsed', file, bodyBytes });
			});

		raw.on('data', (chunk: Buffer) => {
			bodyBytes += chunk.length;
			if (bodyStartBytes < HEADER_SNIFF_BYTES) {
				bodyStart.push(chunk);
				bodyStartBytes += chunk.length;
			}
		});
		raw.once('close', () => {
			if (!raw.complete) settle(() => reject(new ClientAbortedError()));
		});

		parser.on('file', (fieldName, stream, info) => {
			// busboy also fails the open part's stream on a cut-short body; the parser's own
			// 'error' event below reports that, so the stream's copy is only acknowledged here.
			stream.on('error', () => undefined);
			if (fieldName !== FILE_PART_NAME || file) {
				stream.resume();
				return;
			}
			const part: UploadedFilePart = {
				fieldName,
				fileName: decodeFormFileName(info.filename),
				contentType: info.mimeType || DEFAULT_FILE_TYPE,
				size: 0,
			};
			file = part;
			stream.on('data', (chunk: Buffer) => {
				part.size += chunk.length;
				if (part.size <= maxFileBytes) fileChunks.push(chunk);
				else fileChunks = [];
			});
		});
		parser.on('error', (error: Error) => {
			// The caller drains what is left of the body before it answers.
			parseError = error;
			raw.unpipe(parser);
			finish();
		});
		parser.on('close', finish);
		raw.pipe(parser);
	});
}
