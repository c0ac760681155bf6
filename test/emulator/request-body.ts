/**
 * Reading request bodies straight from the socket: fastify's own parsers are switched off so
 * that every answer, including one to a bad body, is the emulator's own.
 */
import type { FastifyRequest } from 'fastify';

export type RawRequest = FastifyRequest['raw'];

export class ClientAbortedError extends Error {
	constructor() {
		super('The client closed the connection before the request body was complete');
		this.name = 'ClientAbortedError';
	}
}

export interface BodyRead {
	/** The body, or only its first `keepBytes` bytes when it was longer. */
	bytes: Buffer;
	/** Bytes received in total. */
	size: number;
	/** The connection failed or closed before the body was complete. */
	aborted: boolean;
}

/** Reads the rest of the body, keeping at most `keepBytes` bytes of it in memory. Never rejects. */
export async function readRequestBody(raw: RawRequest, keepBytes: number): Promise<BodyRead> {
	if (raw.readableEnded) return { bytes: Buffer.alloc(0), size: 0, aborted: false };
	return await new Promise<BodyRead>((resolve) => {
		const kept: Buffer[] = [];
		let keptBytes = 0;
		let size = 0;
		raw.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (keptBytes < keepBytes) {
				const part = chunk.subarray(0, keepBytes - keptBytes);
				kept.push(part);
				keptBytes += part.length;
			}
		});
		const finish = (aborted: boolean) => resolve({ bytes: Buffer.concat(kept), size, aborted });
		raw.once('end', () => finish(false));
		raw.once('error', () => finish(true));
		raw.once('close', () => {
			if (!raw.complete) finish(true);
		});
		raw.resume();
	});
}

/** Parses a JSON body; `undefined` for an empty one. Throws SyntaxError for invalid JSON. */
export function parseJsonBody(bytes: Buffer): unknown {
	const text = bytes.toString('utf8');
	if (text.trim() === '') return undefined;
	return JSON.parse(text) as unknown;
}
