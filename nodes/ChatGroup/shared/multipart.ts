import { randomBytes } from 'crypto';

/**
 * A `multipart/form-data` body with one file part, built by hand because n8n Cloud
 * does not allow the form-data package. The file name is encoded as browsers do
 * (WHATWG): UTF-8 as is, `"` CR LF percent-encoded; RFC 7578 forbids `filename*` here.
 */
export function encodeFormFileName(fileName: string): string {
	return fileName.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export interface MultipartFilePart {
	fieldName: string;
	fileName: string;
	contentType: string;
}

export function newBoundary(): string {
	return `----n8nAgoraChat${randomBytes(12).toString('hex')}`;
}

export function multipartContentType(boundary: string): string {
	return `multipart/form-data; boundary=${boundary}`;
}

/** What goes before and after the file's bytes, so that the bytes themselves can be streamed. */
export function multipartFrame(part: MultipartFilePart, boundary: string): { head: Buffer; tail: Buffer } {
	const safeContentType = part.contentType.replace(/[\r\n]/g, '') || 'application/octet-stream';
	const head =
		`--${boundary}\r\n` +
		`Content-Disposition: form-data; name="${encodeFormFileName(part.fieldName)}"; filename="${encodeFormFileName(part.fileName)}"\r\n` +
		`Content-Type: ${safeContentType}\r\n\r\n`;
	return { head: Buffer.from(head, 'utf8'), tail: Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8') };
}
