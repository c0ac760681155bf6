/**
 * Issue 17, points 5 and 11: the group's file list is one shared piece per execution. Every change
 * the execution makes (upload, replace, delete) is applied to it; Get Many with a Limit uses it when
 * the execution holds it (or is reading it); it is read again once older than its age limit; and an
 * upload's recovery shares a read in flight when that read's first page left after the attempt.
 */
// The engine loads the built package: spy on the module it runs.
import * as sharedFileList from '../../dist/nodes/ChatGroup/shared/sharedFileList';
import { lineWorkflow } from '../support/workflow';
import { appTokenCredentials, APP_TOKEN, binaryItem, GROUP_ID, sampleBytes, useTestBed } from './fixtures';

const bed = useTestBed();

const file = (operation: string, extra: Record<string, unknown> = {}) => ({ resource: 'sharedFile', operation, groupId: GROUP_ID, ...extra });
const listings = () => bed.emulator.requests.filter((request) => request.operation === 'listFiles');
const once = { executeOnce: true };

beforeAll(async () => {
	await bed.engine.loadBaseNodes(['n8n-nodes-base.manualTrigger']);
});

describe('5: a Delete is applied to the execution\'s list', () => {
	it('Get Many → Delete → Get Many: the second list no longer shows the deleted file, and nothing is listed twice', async () => {
		const [kept, deleted] = [
			bed.emulator.addFile(GROUP_ID, { fileName: 'kept.txt', bytes: Buffer.from('kept'), created: Date.now() - 2000 }),
			bed.emulator.addFile(GROUP_ID, { fileName: 'deleted.txt', bytes: Buffer.from('deleted'), created: Date.now() - 1000 }),
		];
		const { outputs, error } = await bed.engine.runWorkflow(
			lineWorkflow('list, delete, list', [
				{ name: 'List', parameters: file('getAll', { returnAll: true }) },
				{ name: 'Delete', parameters: file('delete', { fileId: deleted.fileId }), extra: once },
				{ name: 'List again', parameters: file('getAll', { returnAll: true }), extra: once },
				{ name: 'First file', parameters: file('getAll', { returnAll: false, limit: 1 }), extra: once },
			]),
		);
		expect(error).toBeUndefined();
		expect(outputs.List.map((item) => item.json.file_id)).toEqual([deleted.fileId, kept.fileId]);
		expect(outputs['List again'].map((item) => item.json.file_id)).toEqual([kept.fileId]);
		expect(outputs['First file'].map((item) => item.json.file_id)).toEqual([kept.fileId]);
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'deleteFile']);
	});

	it('Upload (Skip) after a Delete of that name uploads, instead of calling the deleted file "existing"', async () => {
		const old = bed.emulator.addFile(GROUP_ID, { fileName: 'report.pdf', bytes: Buffer.from('old report') });
		const { outputs, error } = await bed.engine.runWorkflow(
			lineWorkflow('list, delete, upload', [
				{ name: 'List', parameters: file('getAll', { returnAll: true }) },
				{ name: 'Delete', parameters: file('delete', { fileId: '={{ $json.file_id }}' }) },
				{ name: 'Make the file', type: bed.engine.defineStepNode('makeFile', (items) => {
					items.splice(0, items.length, binaryItem(Buffer.from('new report'), 'report.pdf'));
				}) },
				{ name: 'Upload', parameters: file('upload', { options: { ifFileExists: 'skip' } }) },
			]),
		);
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored.map((entry) => entry.fileName)).toEqual(['report.pdf']);
		expect(stored[0].fileId).not.toBe(old.fileId);
		expect(outputs.Upload[0].json).toMatchObject({ file_id: stored[0].fileId, skipped: false });
	});
});

describe('11: Get Many with a Limit and the list\'s age', () => {
	it('a Limit item uses the list another item of the execution is reading, instead of paging on its own', async () => {
		bed.emulator.seedFiles(GROUP_ID, 1500);
		const { items, error } = await bed.engine.run(file('getAll', { returnAll: '={{ $json.all }}', limit: 3 }), { items: [{ json: { all: true } }, { json: { all: false } }] });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1503);
		expect(items.slice(1500).map((item) => item.json.file_name)).toEqual(['seed-01500.txt', 'seed-01499.txt', 'seed-01498.txt']);
		expect(listings().map((request) => request.query)).toEqual([
			{ pagenum: '1', pagesize: '1000' },
			{ pagenum: '2', pagesize: '1000' },
		]);
	});

	it('a list older than its age limit (10 minutes in one execution) is read again, by Return All and by a Limit', async () => {
		bed.emulator.seedFiles(GROUP_ID, 5);
		const realNow = Date.now.bind(Date);
		let offsetMs = 0;
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
		try {
			const later = bed.engine.defineStepNode('elevenMinutesLater', () => {
				offsetMs += 11 * 60_000;
				bed.emulator.addFile(GROUP_ID, { fileName: 'newer.txt', bytes: Buffer.from('newer') });
			});
			const { outputs, error } = await bed.engine.runWorkflow(
				lineWorkflow('list, wait, list', [
					{ name: 'List', parameters: file('getAll', { returnAll: true }), extra: once },
					{ name: 'Eleven minutes later', type: later },
					{ name: 'Newest', parameters: file('getAll', { returnAll: false, limit: 1 }), extra: once },
					{ name: 'List again', parameters: file('getAll', { returnAll: true }), extra: once },
				]),
			);
			expect(error).toBeUndefined();
			expect(outputs.Newest.map((item) => item.json.file_name)).toEqual(['newer.txt']);
			expect(outputs['List again']).toHaveLength(6);
			expect(listings().map((request) => request.query.pagesize)).toEqual(['1000', '1', '1000']);
		} finally {
			clock.mockRestore();
		}
	});
});

describe('11: an upload\'s recovery shares a list read whose first page left after the attempt', () => {
	it('five uploads whose answers are lost read the list together, not five times on their own', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		// 20 requests per second: every answer is back long before the next request may leave.
		bed.engine.useCredentials({ ...appTokenCredentials(bed.emulator, APP_TOKEN), requestsPerSecond: 20 });
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling', times: 5 });
		const items = Array.from({ length: 5 }, (_, index) => binaryItem(sampleBytes(100 + index), `lost-${index}.bin`));
		const { items: output, error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID).filter((entry) => entry.fileName.startsWith('lost-'));
		expect(stored).toHaveLength(5);
		expect(output.map((item) => item.json.file_name)).toEqual(items.map((item) => item.binary!.data.fileName));
		expect(bed.emulator.requests.filter((request) => request.operation === 'uploadFile')).toHaveLength(5);
		// The list read before the uploads (3 pages) and one read after them (3 pages); before: 5 reads of 3 pages.
		expect(listings()).toHaveLength(6);
	});
});

describe('Issue 21: the execution\'s list is merged with its changes once per change, not once per item', () => {
	it('items that change nothing share one copy of the list (each Upload item read a fresh merge of every file: 10^8 steps for 10,000 items in a full group)', async () => {
		for (const name of ['a.txt', 'b.txt', 'c.txt']) bed.emulator.addFile(GROUP_ID, { fileName: name, bytes: Buffer.from(name) });
		const reads = jest.spyOn(sharedFileList, 'readSharedFiles');
		let result;
		let answers: Array<Promise<unknown>> = [];
		try {
			result = await bed.engine.run(file('upload', { options: { ifFileExists: 'skip' } }), {
				items: ['a.txt', 'b.txt', 'c.txt'].map((name) => binaryItem(Buffer.from(name), name)),
			});
		} finally {
			// Restoring clears what the spy recorded.
			answers = reads.mock.results.map((call) => call.value as Promise<unknown>);
			reads.mockRestore();
		}
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.skipped)).toEqual([true, true, true]);
		const lists = await Promise.all(answers);
		expect(lists).toHaveLength(3);
		expect(lists[1]).toBe(lists[0]);
		expect(lists[2]).toBe(lists[0]);
		expect(listings()).toHaveLength(1);
	});

	it('Upload\'s same-name check compares each listed name once per list, not once per item (a folder into a full group: 10,000 names per file)', async () => {
		const seeded = bed.emulator.seedFiles(GROUP_ID, 50);
		const uploads = seeded.slice(0, 3).map((entry) => binaryItem(Buffer.from(`seed file ${entry.fileName}`), entry.fileName));
		const seededNames = new Set(seeded.map((entry) => entry.fileName));
		const realNormalize = String.prototype.normalize;
		let namesCompared = 0;
		const normalize = jest.spyOn(String.prototype, 'normalize').mockImplementation(function (this: string, form?: string) {
			if (seededNames.has(String(this))) namesCompared++;
			return realNormalize.call(this, form);
		});
		let result;
		try {
			result = await bed.engine.run(file('upload', { options: { ifFileExists: 'skip' } }), { items: uploads });
		} finally {
			normalize.mockRestore();
		}
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.skipped)).toEqual([true, true, true]);
		// The 50 listed names once, and each item's own name (its lookup and its name lock): at most 56. Before: 303.
		expect(namesCompared).toBeLessThanOrEqual(seeded.length + 2 * uploads.length);
	});

	it('an upload makes a new copy: a later Download without File Name is named from it, and earlier copies stay as they were', async () => {
		const old = bed.emulator.addFile(GROUP_ID, { fileName: 'old.txt', bytes: Buffer.from('old') });
		const reads = jest.spyOn(sharedFileList, 'readSharedFiles');
		let answers: Array<Promise<unknown>> = [];
		const run = bed.engine.runWorkflow(
			lineWorkflow('list, upload, download', [
				{ name: 'List', parameters: file('getAll', { returnAll: true }) },
				{ name: 'Make the file', type: bed.engine.defineStepNode('makeNewFile', (items) => {
					items.splice(0, items.length, binaryItem(Buffer.from('new'), 'new.txt'));
				}) },
				{ name: 'Upload', parameters: file('upload', { options: { ifFileExists: 'skip' } }) },
				{ name: 'Download', parameters: file('download', { fileId: '={{ $json.file_id }}' }) },
				{ name: 'Download the old one', parameters: file('download', { fileId: old.fileId }), extra: once },
			]),
		);
		let ran;
		try {
			ran = await run;
		} finally {
			answers = reads.mock.results.map((call) => call.value as Promise<unknown>);
			reads.mockRestore();
		}
		const { outputs, error } = ran;
		expect(error).toBeUndefined();
		// The copy Get Many and Upload's same-name check read before the upload still holds only the old file.
		const before = (await Promise.all(answers)) as Array<Array<{ file_name: string }>>;
		expect(before.length).toBeGreaterThanOrEqual(1);
		for (const copy of before) expect(copy.map((entry) => entry.file_name)).toEqual(['old.txt']);
		expect(outputs.List.map((item) => item.json.file_name)).toEqual(['old.txt']);
		expect(outputs.Download.map((item) => [item.json.fileName, item.binary?.data.fileName])).toEqual([['new.txt', 'new.txt']]);
		expect(outputs['Download the old one'].map((item) => item.json.fileName)).toEqual(['old.txt']);
		expect(listings()).toHaveLength(1);
	});
});
