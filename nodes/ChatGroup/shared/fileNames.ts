/** File names and types for shared files: what the service sends, else what the name says. */

const MIME_TYPES_BY_EXTENSION: Record<string, string> = {
	'7z': 'application/x-7z-compressed',
	aac: 'audio/aac',
	avi: 'video/x-msvideo',
	bmp: 'image/bmp',
	csv: 'text/csv',
	doc: 'application/msword',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	gif: 'image/gif',
	gz: 'application/gzip',
	heic: 'image/heic',
	htm: 'text/html',
	html: 'text/html',
	ico: 'image/vnd.microsoft.icon',
	jpeg: 'image/jpeg',
	jpg: 'image/jpeg',
	js: 'text/javascript',
	json: 'application/json',
	m4a: 'audio/mp4',
	md: 'text/markdown',
	mov: 'video/quicktime',
	mp3: 'audio/mpeg',
	mp4: 'video/mp4',
	ogg: 'audio/ogg',
	pdf: 'application/pdf',
	png: 'image/png',
	ppt: 'application/vnd.ms-powerpoint',
	pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
	rar: 'application/vnd.rar',
	rtf: 'application/rtf',
	svg: 'image/svg+xml',
	tar: 'application/x-tar',
	tif: 'image/tiff',
	tiff: 'image/tiff',
	txt: 'text/plain',
	wav: 'audio/wav',
	webm: 'video/webm',
	webp: 'image/webp',
	xls: 'application/vnd.ms-excel',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	xml: 'application/xml',
	zip: 'application/zip',
};

export const GENERIC_MIME_TYPE = 'application/octet-stream';

export function mimeTypeFromName(fileName: string | undefined): string | undefined {
	const extension = fileName?.match(/\.([A-Za-z0-9]+)$/)?.[1]?.toLowerCase();
	return extension ? MIME_TYPES_BY_EXTENSION[extension] : undefined;
}

/** The media type of a Content-Type header, unless it says nothing (absent or generic). */
export function specificMimeType(contentType: unknown): string | undefined {
	if (typeof contentType !== 'string') return undefined;
	const mediaType = contentType.split(';')[0].trim().toLowerCase();
	return mediaType && mediaType !== GENERIC_MIME_TYPE ? contentType.trim() : undefined;
}

/** Header values arrive as latin1; a server that put raw UTF-8 in `filename=` is read back as UTF-8. */
function repairUtf8(value: string): string {
	const codes = [...value].map((character) => character.charCodeAt(0));
	if (!codes.some((code) => code >= 0x80) || codes.some((code) => code > 0xff)) return value;
	const decoded = Buffer.from(value, 'latin1').toString('utf8');
	return decoded.includes('\ufffd') ? value : decoded;
}

function unquote(value: string): string {
	const trimmed = value.trim();
	if (trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2) {
		return trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
	}
	return trimmed;
}

/** `filename*=UTF-8''…` (RFC 6266/5987) wins over `filename=`; both are accepted. */
export function fileNameFromContentDisposition(header: unknown): string | undefined {
	if (typeof header !== 'string') return undefined;
	const extended = header.match(/filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i);
	if (extended) {
		try {
			const charset = extended[1].trim().toLowerCase();
			const raw = unquote(extended[2]);
			const name =
				charset === 'iso-8859-1' || charset === 'latin1'
					? raw.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
					: decodeURIComponent(raw);
			if (name) return name;
		} catch {
			// A malformed extended value falls back to the plain parameter below.
		}
	}
	const plain = header.match(/(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)/i);
	const name = plain ? repairUtf8(unquote(plain[1])) : '';
	return name || undefined;
}
