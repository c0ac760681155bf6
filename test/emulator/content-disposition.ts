/** Content-Disposition of a download, in the variants tests use to exercise client fallbacks. */
import type { DownloadHeaderMode } from './types';

/** `filename="…"` value: printable ASCII only; anything else, quotes and backslashes become `_`. */
export function asciiFallbackFileName(fileName: string): string {
	let fallback = '';
	for (const character of fileName) {
		const code = character.codePointAt(0) ?? 0;
		const printableAscii = code >= 0x20 && code <= 0x7e;
		fallback += printableAscii && character !== '"' && character !== '\\' ? character : '_';
	}
	return fallback;
}

/** Replaces lone surrogates, which UTF-8 (and encodeURIComponent) cannot represent. */
function wellFormed(text: string): string {
	return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** RFC 5987 ext-value body: UTF-8 percent-encoded, leaving only attr-char unescaped. */
export function encodeRfc5987(value: string): string {
	return encodeURIComponent(wellFormed(value)).replace(
		/['()*]/g,
		(character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
	);
}

export function attachmentDisposition(fileName: string, mode: DownloadHeaderMode): string | undefined {
	const plain = `filename="${asciiFallbackFileName(fileName)}"`;
	const extended = `filename*=UTF-8''${encodeRfc5987(fileName)}`;
	switch (mode) {
		case 'full':
			return `attachment; ${plain}; ${extended}`;
		case 'filenameOnly':
			return `attachment; ${plain}`;
		case 'filenameStarOnly':
			return `attachment; ${extended}`;
		case 'none':
			return undefined;
	}
}
