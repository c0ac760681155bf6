/**
 * A zlib stream (RFC 1950) holding the data in uncompressed "stored" deflate blocks (RFC 1951).
 *
 * Agora tokens are deflated before base64, but n8n Cloud forbids importing `zlib`. Stored blocks
 * are valid deflate that every inflater reads, and the token payload is a few hundred bytes,
 * so compressing it would save nothing worth a hand-written Huffman coder.
 */

/** Largest LEN a stored block can declare: the field is 16 bits. */
const MAX_STORED_BLOCK_LENGTH = 0xffff;

/** CMF 0x78 = deflate with a 32 KiB window; FLG 0x01 = no preset dictionary, and makes 0x7801 a multiple of 31. */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);

const STORED_BLOCK_HEADER_LENGTH = 5;
const ADLER32_LENGTH = 4;
const ADLER32_MODULUS = 65521;

/** Adler-32 checksum of `data` (RFC 1950 section 8), as an unsigned 32-bit number. */
export function adler32(data: Buffer): number {
	let byteSum = 1;
	let runningTotal = 0;
	for (const byte of data) {
		byteSum = (byteSum + byte) % ADLER32_MODULUS;
		runningTotal = (runningTotal + byteSum) % ADLER32_MODULUS;
	}
	return ((runningTotal << 16) | byteSum) >>> 0;
}

/** Wraps `data` in a zlib stream of stored deflate blocks, readable by any inflater (`zlib.inflateSync`, pako, ...). */
export function zlibStoredDeflate(data: Buffer): Buffer {
	// An empty input still needs one (empty) final block to terminate the deflate stream.
	const blockCount = Math.max(1, Math.ceil(data.length / MAX_STORED_BLOCK_LENGTH));
	const output = Buffer.alloc(
		ZLIB_HEADER.length + blockCount * STORED_BLOCK_HEADER_LENGTH + data.length + ADLER32_LENGTH,
	);

	let outputOffset = ZLIB_HEADER.copy(output, 0);
	for (let blockIndex = 0; blockIndex < blockCount; blockIndex++) {
		const blockStart = blockIndex * MAX_STORED_BLOCK_LENGTH;
		const blockLength = Math.min(MAX_STORED_BLOCK_LENGTH, data.length - blockStart);
		const isFinalBlock = blockIndex === blockCount - 1;

		// BFINAL is bit 0 and BTYPE=00 (stored) bits 1-2; the rest of the byte is padding, because
		// stored blocks start on a byte boundary.
		output[outputOffset++] = isFinalBlock ? 0x01 : 0x00;
		outputOffset = output.writeUInt16LE(blockLength, outputOffset);
		outputOffset = output.writeUInt16LE(~blockLength & 0xffff, outputOffset);
		outputOffset += data.copy(output, outputOffset, blockStart, blockStart + blockLength);
	}

	// Unlike the little-endian deflate fields, the zlib trailer is big-endian.
	output.writeUInt32BE(adler32(data), outputOffset);
	return output;
}
