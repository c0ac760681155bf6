import { randomBytes } from 'crypto';

/**
 * A `multipart/form-data` body with one file part, built by hand because n8n Cloud
 * does not allow the form-data package. The file name is encoded as browsers do
 * (WHATWG): UTF-8 as is, `"` CR LF percent-encoded; RFC 7578 forbids `filename*` here.
 */
export function encodeFormFileName(fileName: string): string {
	return fileName.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export interface MultipartFile {
	fieldName: string;
	fileName: string;
	contentType: string;
	content: Buffer;
}

export interface MultipartBody {
	contentType: string;
	body: Buffer;
}

export function buildMultipartBody(file: MultipartFile, boundary = `----n8nAgoraChat${randomBytes(12).toString('hex')}`): MultipartBody {
	const safeContentType = file.contentType.replace(/[\r\n]/g, '') || 'application/octet-stream';
	const head =
		`--${boundary}\r\n` +
		`Content-Disposition: form-data; name="${encodeFormFileName(file.fieldName)}"; filename="${encodeFormFileName(file.fileName)}"\r\n` +
		`Content-Type: ${safeContentType}\r\n\r\n`;
	const tail = `\r\n--${boundary}--\r\n`;
	return {
		contentType: `multipart/form-data; boundary=${boundary}`,
		body: Buffer.concat([Buffer.from(head, 'utf8'), file.content, Buffer.from(tail, 'utf8')]),
	};
}
