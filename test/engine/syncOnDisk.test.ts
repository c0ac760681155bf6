/**
 * Downloads into n8n's binary store on disk (n8n 2.x's default): a retried download leaves
 * exactly one stored file for the item, no orphaned partial copy.
 */
import type { IBinaryData } from 'n8n-workflow';

import { listFilesDeep } from '../support/node';
import { GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed({ binaryMode: 'filesystem' });
const download = (fileId: string) => ({ resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId, requestOptions: { maxRetries: 2 } });

/** Every file n8n stored for the execution that produced this binary (data and metadata). */
function storedForExecution(binary: IBinaryData): string[] {
	const path = bed.engine.binaryPath(binary);
	return listFilesDeep(path.slice(0, path.lastIndexOf('/')));
}

it('a download retried after a truncated body keeps one stored file', async () => {
	const content = sampleBytes(512 * 1024);
	const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'a.bin', bytes: content });
	bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
	const { items, error } = await bed.engine.run(download(stored.fileId));
	expect(error).toBeUndefined();
	const binary = items[0].binary!.data;
	expect(sha256(await bed.engine.readBinary(binary))).toBe(sha256(content));
	expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['downloadFile', 'downloadFile']);
	const id = binary.id!.split('/').pop()!;
	expect(storedForExecution(binary)).toEqual([id, `${id}.metadata`]);
});

it('a gateway that compresses what it may: asked for identity, the file is stored once and whole', async () => {
	bed.emulator.configure({ compressDownloads: true });
	try {
		const content = Buffer.alloc(300_000, 'very compressible text ');
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'notes.txt', bytes: content, contentType: 'text/plain' });
		const { items, error } = await bed.engine.run(download(stored.fileId));
		expect(error).toBeUndefined();
		const binary = items[0].binary!.data;
		expect((await bed.engine.readBinary(binary)).equals(content)).toBe(true);
		const id = binary.id!.split('/').pop()!;
		expect(storedForExecution(binary)).toEqual([id, `${id}.metadata`]);
		expect(bed.emulator.requests).toHaveLength(1);
	} finally {
		bed.emulator.configure({ compressDownloads: false });
	}
});
