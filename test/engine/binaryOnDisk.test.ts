/**
 * Uploads and downloads with binary data kept on disk, n8n 2.x's default: the node streams the
 * file from and to n8n's store instead of holding it whole, and a retry sends a fresh stream.
 */
import { GROUP_ID, MB, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed({ binaryMode: 'filesystem' });
const file = (operation: string, extra: Record<string, unknown> = {}) => ({ resource: 'sharedFile', operation, groupId: GROUP_ID, ...extra });

async function storedItem(content: Buffer, fileName: string, mimeType = 'application/octet-stream') {
	const binary = await bed.engine.storeBinary(content, fileName, mimeType);
	expect(binary.id).toMatch(/^filesystem/);
	return { json: {}, binary: { data: binary } };
}

it('uploads exactly 10 MB from disk, byte for byte, with a declared Content-Length', async () => {
	const content = sampleBytes(10 * MB);
	const { error, items } = await bed.engine.run(file('upload'), { items: [await storedItem(content, '报告 big.bin')] });
	expect(error).toBeUndefined();
	const [stored] = bed.emulator.listFiles(GROUP_ID);
	expect(sha256(stored.bytes)).toBe(sha256(content));
	expect(items[0].json).toMatchObject({ file_name: '报告 big.bin', file_size: 10 * MB });
	const request = bed.emulator.requests.find((entry) => entry.operation === 'uploadFile')!;
	expect(Number(request.headers['content-length'])).toBe(request.bodyBytes);
	expect(request.headers['transfer-encoding']).toBeUndefined();
});

it('sends a fresh stream when an upload is retried after a reset', async () => {
	const content = sampleBytes(2 * MB);
	bed.emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'beforeHandling' });
	const { error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items: [await storedItem(content, 'retry.bin')] });
	expect(error).toBeUndefined();
	const stored = bed.emulator.listFiles(GROUP_ID);
	expect(stored).toHaveLength(1);
	expect(sha256(stored[0].bytes)).toBe(sha256(content));
});

it('downloads exactly 10 MB into n8n\'s store on disk, byte for byte', async () => {
	const content = sampleBytes(10 * MB);
	const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'video.mp4', bytes: content, contentType: 'video/mp4' });
	const { error, items } = await bed.engine.run(file('download', { fileId: stored.fileId }));
	expect(error).toBeUndefined();
	const binary = items[0].binary!.data;
	expect(binary.id).toMatch(/^filesystem/);
	expect(binary).toMatchObject({ fileName: 'video.mp4', mimeType: 'video/mp4', fileExtension: 'mp4' });
	expect(sha256(await bed.engine.readBinary(binary))).toBe(sha256(content));
	expect(items[0].json.fileSize).toBe(10 * MB);
});

it('retries a truncated download, and reports one that stays truncated', async () => {
	const content = sampleBytes(1 * MB);
	const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'a.bin', bytes: content });
	bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
	const once = await bed.engine.run(file('download', { fileId: stored.fileId, requestOptions: { maxRetries: 3 } }));
	expect(once.error).toBeUndefined();
	expect(sha256(await bed.engine.readBinary(once.items[0].binary!.data))).toBe(sha256(content));

	bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate', times: 5 });
	const always = await bed.engine.run(file('download', { fileId: stored.fileId, requestOptions: { maxRetries: 1 } }));
	expect(always.items).toEqual([]);
	expect(always.error?.message).toMatch(/^The (connection to the Agora Chat service was lost|file did not arrive whole)/);
});

it('shows the service\'s JSON error on a download that fails', async () => {
	const { error } = await bed.engine.run(file('download', { fileId: 'gone' }));
	expect(error?.message).toBe('share file gone does not exist!');
	expect(error?.description).toMatch(/File "gone" is not a shared file of group/);
});
