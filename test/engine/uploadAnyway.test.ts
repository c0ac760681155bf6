/**
 * Issue 17, point 6: after a 5xx (or a lost answer) an upload looks for the file it may have stored.
 * Upload Anyway (the default) now reads the group's list first (once per group per execution), and
 * its recovery takes only a file absent from that read and created after the attempt began, by the
 * service's clock; anything else is someone else's file, and the upload is sent again.
 */
import { lineWorkflow } from '../support/workflow';
import { binaryItem, GROUP_ID, sampleBytes, useTestBed } from './fixtures';

const bed = useTestBed();

const upload = (extra: Record<string, unknown> = {}) => ({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID, requestOptions: { maxRetries: 3 }, ...extra });
const operations = () => bed.emulator.requests.map((request) => `${request.operation} ${request.status}`);
const MINUTE_MS = 60_000;

beforeAll(async () => {
	await bed.engine.loadBaseNodes(['n8n-nodes-base.manualTrigger']);
});

it('a member\'s same-name, same-size file shared two minutes earlier is not claimed after a 502 that stored nothing', async () => {
	const content = sampleBytes(2048);
	const theirs = bed.emulator.addFile(GROUP_ID, { fileName: 'minutes.txt', bytes: content, owner: 'alice', created: Date.now() - 2 * MINUTE_MS });
	bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502 });
	const { items, error } = await bed.engine.run(upload(), { items: [binaryItem(content, 'minutes.txt')] });
	expect(error).toBeUndefined();
	const ours = bed.emulator.listFiles(GROUP_ID).filter((entry) => entry.fileId !== theirs.fileId);
	expect(ours).toHaveLength(1);
	expect(items[0].json).toMatchObject({ file_id: ours[0].fileId, file_name: 'minutes.txt', file_size: 2048 });
	expect(operations()).toEqual(['listFiles 200', 'uploadFile 502', 'listFiles 200', 'uploadFile 200']);
});

it('a same-name file a member shared after the execution read the list, but before the attempt began, is not claimed', async () => {
	const content = sampleBytes(512);
	bed.emulator.addFile(GROUP_ID, { fileName: 'agenda.md', bytes: Buffer.from('# Agenda') });
	bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502 });
	let theirs = '';
	const memberShares = bed.engine.defineStepNode('memberShares', () => {
		theirs = bed.emulator.addFile(GROUP_ID, { fileName: 'photo.jpg', bytes: content, owner: 'bob', created: Date.now() - 30_000 }).fileId;
	});
	const { outputs, error } = await bed.engine.runWorkflow(
		lineWorkflow('list, a member shares, upload', [
			{ name: 'List', parameters: { resource: 'sharedFile', operation: 'getAll', groupId: GROUP_ID, returnAll: true } },
			{ name: 'A member shares', type: memberShares },
			{ name: 'Make the file', type: bed.engine.defineStepNode('makePhoto', (items) => {
				items.splice(0, items.length, binaryItem(content, 'photo.jpg'));
			}) },
			{ name: 'Upload', parameters: upload() },
		]),
	);
	expect(error).toBeUndefined();
	expect(outputs.Upload[0].json.file_id).not.toBe(theirs);
	expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(3);
});

it.each([
	['10 minutes behind', -10 * MINUTE_MS],
	['10 minutes ahead', 10 * MINUTE_MS],
])('with the service\'s clock %s of n8n\'s, a 502 after the file was stored still finds it: stored once', async (_label, skewMs) => {
	bed.emulator.advanceClock(skewMs);
	const content = sampleBytes(4096);
	bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
	const { items, error } = await bed.engine.run(upload(), { items: [binaryItem(content, 'report.pdf')] });
	expect(error).toBeUndefined();
	const stored = bed.emulator.listFiles(GROUP_ID);
	expect(stored).toHaveLength(1);
	expect(items[0].json.file_id).toBe(stored[0].fileId);
	expect(operations()).toEqual(['listFiles 200', 'uploadFile 502', 'listFiles 200']);
});

it('costs one listing per group per execution, however many items upload anyway (the README\'s promise)', async () => {
	const items = Array.from({ length: 20 }, (_, index) => binaryItem(Buffer.from(`file ${index}`), `same-name.txt`));
	const { items: output, error } = await bed.engine.run(upload(), { items });
	expect(error).toBeUndefined();
	expect(output).toHaveLength(20);
	expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(20);
	expect(bed.emulator.requests.filter((request) => request.operation === 'listFiles')).toHaveLength(1);
});
