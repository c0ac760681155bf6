/**
 * A group's file list read once per group per execution, and what the file sync builds on it:
 * Upload's If a File With the Same Name Exists, recovery of lost upload answers, Get Many's
 * filters, Download's names. Requests are counted in the emulator's log.
 */
import type { INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { fileNameMatcher, sameFileName } from '../../nodes/ChatGroup/shared/sharedFileList';
import { CHAT_GROUP_NODE_TYPE, CREDENTIAL_TYPE } from '../support/engine';
import { filesFolder } from '../support/n8n-env';
import { freshFolder, joinPath, writeFile } from '../support/node';
import { binaryItem, bytesOf, GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed();

const file = (operation: string, extra: INodeParameters = {}): INodeParameters => ({ resource: 'sharedFile', operation, groupId: GROUP_ID, ...extra });
const upload = (ifFileExists: string, extra: INodeParameters = {}) =>
	file('upload', { options: { ifFileExists }, requestOptions: { maxRetries: 3, maxRetryWaitSeconds: 30 }, ...extra });
const count = (operation: string) => bed.emulator.requests.filter((request) => request.operation === operation).length;
const names = () => bed.emulator.listFiles(GROUP_ID).map((stored) => stored.fileName);
const HOUR_MS = 60 * 60 * 1000;

function addSameName(countOfFiles: number, fileName = 'report.pdf') {
	return Array.from({ length: countOfFiles }, (_, index) =>
		bed.emulator.addFile(GROUP_ID, { fileName, bytes: sampleBytes(100 + index), created: Date.now() - (index + 1) * HOUR_MS }),
	);
}

describe('Upload: If a File With the Same Name Exists', () => {
	it.each([0, 1, 3])('Skip with %i same-name files: uploads only when there is none', async (existing) => {
		const older = addSameName(existing);
		const content = sampleBytes(5000);
		const { items, error } = await bed.engine.run(upload('skip'), { items: [binaryItem(content, 'REPORT.PDF')] });
		expect(error).toBeUndefined();
		expect(count('uploadFile')).toBe(existing ? 0 : 1);
		expect(count('listFiles')).toBe(1);
		expect(items).toHaveLength(1);
		if (existing) {
			// The newest of that name, in the upload answer's shape.
			expect(items[0].json).toMatchObject({ file_id: older[0].fileId, file_name: 'report.pdf', file_size: older[0].fileSize, group_id: GROUP_ID, skipped: true });
			expect(items[0].json.file_url).toMatch(new RegExp(`/share_files/${older[0].fileId}$`));
		} else {
			expect(items[0].json).toMatchObject({ file_name: 'REPORT.PDF', file_size: 5000, skipped: false });
		}
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(existing || 1);
	});

	it.each([0, 1, 3])('Replace If Different with %i same-name files of other sizes: uploads, then deletes them all', async (existing) => {
		const older = addSameName(existing);
		bed.emulator.addFile(GROUP_ID, { fileName: 'other.pdf', bytes: sampleBytes(5000) });
		const content = sampleBytes(5000);
		const { items, error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(content, 'Report.pdf')] });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID).filter((entry) => entry.fileName !== 'other.pdf');
		expect(stored).toHaveLength(1);
		expect(sha256(stored[0].bytes)).toBe(sha256(content));
		expect(items[0].json).toMatchObject({ file_id: stored[0].fileId, file_name: 'Report.pdf', skipped: false });
		expect((items[0].json.replacedFileIds as string[]).sort()).toEqual(older.map((entry) => entry.fileId).sort());
		expect([count('listFiles'), count('uploadFile'), count('deleteFile')]).toEqual([1, 1, existing]);
	});

	it('Replace If Different: the newest same-name file of the same size counts as unchanged; older copies go', async () => {
		const [newest, ...older] = [
			bed.emulator.addFile(GROUP_ID, { fileName: 'report.pdf', bytes: sampleBytes(4096), created: Date.now() - HOUR_MS }),
			bed.emulator.addFile(GROUP_ID, { fileName: 'Report.pdf', bytes: sampleBytes(4096), created: Date.now() - 2 * HOUR_MS }),
			bed.emulator.addFile(GROUP_ID, { fileName: 'report.pdf', bytes: sampleBytes(10), created: Date.now() - 3 * HOUR_MS }),
		];
		const { items, error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(sampleBytes(4096), 'report.pdf')] });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ file_id: newest.fileId, file_size: 4096, skipped: true });
		expect((items[0].json.replacedFileIds as string[]).sort()).toEqual(older.map((file) => file.fileId).sort());
		expect([count('uploadFile'), count('deleteFile')]).toEqual([0, 2]);
		expect(bed.emulator.listFiles(GROUP_ID).map((entry) => entry.fileId)).toEqual([newest.fileId]);
	});

	it('Replace If Different: only an older copy has the same size: the newest differs, so the file is uploaded', async () => {
		const copies = [
			bed.emulator.addFile(GROUP_ID, { fileName: 'report.pdf', bytes: sampleBytes(10), created: Date.now() - HOUR_MS }),
			bed.emulator.addFile(GROUP_ID, { fileName: 'report.pdf', bytes: sampleBytes(4096), created: Date.now() - 2 * HOUR_MS }),
		];
		const content = sampleBytes(4096);
		const { items, error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(content, 'report.pdf')] });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ skipped: false });
		expect((items[0].json.replacedFileIds as string[]).sort()).toEqual(copies.map((file) => file.fileId).sort());
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(sha256(stored[0].bytes)).toBe(sha256(content));
	});

	it('Replace If Different on a group with 24 identical copies (the old hourly sync): keeps one, deletes 23', async () => {
		const content = sampleBytes(500);
		const copies = Array.from({ length: 24 }, (_, hour) =>
			bed.emulator.addFile(GROUP_ID, { fileName: 'minutes.txt', bytes: content, created: Date.now() - (hour + 1) * HOUR_MS }),
		);
		const { items, error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(content, 'minutes.txt')] });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ file_id: copies[0].fileId, skipped: true });
		expect(items[0].json.replacedFileIds).toHaveLength(23);
		expect(bed.emulator.listFiles(GROUP_ID).map((entry) => entry.fileId)).toEqual([copies[0].fileId]);
		expect(count('uploadFile')).toBe(0);
	});

	it('Upload Anyway (the default) keeps both and adds no skipped field; it reads the list once, to know what was there before', async () => {
		addSameName(1);
		const { items, error } = await bed.engine.run(file('upload'), { items: [binaryItem(sampleBytes(10), 'report.pdf')] });
		expect(error).toBeUndefined();
		expect(items[0].json).not.toHaveProperty('skipped');
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(2);
		expect(count('listFiles')).toBe(1);
	});

	it('a failed upload under Replace deletes nothing', async () => {
		const older = addSameName(3);
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 403, error: 'forbidden_op', description: 'group file storage is full' });
		const { items, error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(sampleBytes(1), 'report.pdf')] });
		expect(items).toEqual([]);
		expect(error?.message).toBe('group file storage is full');
		expect(count('deleteFile')).toBe(0);
		expect(bed.emulator.listFiles(GROUP_ID).map((entry) => entry.fileId).sort()).toEqual(older.map((entry) => entry.fileId).sort());
	});

	it('a delete that fails after a good upload is reported on the item, and the new file stays', async () => {
		const [older] = addSameName(1);
		bed.emulator.injectFault({ operation: 'deleteFile', type: 'status', status: 403, error: 'forbidden_op', description: 'not allowed' });
		const content = sampleBytes(77);
		const { error } = await bed.engine.run(upload('replaceIfDifferent'), { items: [binaryItem(content, 'report.pdf')] });
		const newFile = bed.emulator.listFiles(GROUP_ID).find((entry) => entry.fileId !== older.fileId)!;
		expect(sha256(newFile.bytes)).toBe(sha256(content));
		expect(error?.message).toBe(`Uploaded "report.pdf" as file ${newFile.fileId}, but could not delete the older file ${older.fileId}: not allowed`);
		expect(error?.description).toMatch(/^The new file stays in the group\. Delete the older file with Shared File > Delete/);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(2);
	});

	it('under Continue On Fail the failed delete is an error item paired with its input; other items go on', async () => {
		const [older] = addSameName(1);
		bed.emulator.injectFault({ operation: 'deleteFile', type: 'status', status: 403, error: 'forbidden_op', description: 'not allowed' });
		const items = [binaryItem(sampleBytes(77), 'report.pdf'), binaryItem(sampleBytes(5), 'fresh.txt')];
		const run = await bed.engine.run(upload('replaceIfDifferent'), { items, continueOnFail: true });
		expect(run.error).toBeUndefined();
		const byItem = run.items.map((item) => [(item.pairedItem as { item: number }).item, item.error?.message ?? item.json.file_name]);
		expect(byItem).toEqual(
			expect.arrayContaining([
				[0, expect.stringMatching(new RegExp(`^Uploaded "report.pdf" as file .+, but could not delete the older file ${older.fileId}: not allowed$`))],
				[1, 'fresh.txt'],
			]),
		);
		expect(names().sort()).toEqual(['fresh.txt', 'report.pdf', 'report.pdf']);
	});

	it.each(['skip', 'replaceIfDifferent'])('%s: two same-name items of one execution never both upload', async (mode) => {
		const content = sampleBytes(300);
		const items = [binaryItem(content, 'notes.txt'), binaryItem(content, 'NOTES.txt')];
		const { items: output, error } = await bed.engine.run(upload(mode), { items });
		expect(error).toBeUndefined();
		expect(count('uploadFile')).toBe(1);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
		expect(output.map((item) => item.json.skipped)).toEqual([false, true]);
		expect(output[1].json.file_id).toBe(output[0].json.file_id);
	});

	it('Replace If Different: a second same-name item with other content replaces the first, leaving one file', async () => {
		const items = [binaryItem(sampleBytes(300), 'notes.txt'), binaryItem(sampleBytes(400), 'notes.txt')];
		const { items: output, error } = await bed.engine.run(upload('replaceIfDifferent'), { items });
		expect(error).toBeUndefined();
		const [stored] = bed.emulator.listFiles(GROUP_ID);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
		expect(stored.fileSize).toBe(400);
		expect(output[1].json.replacedFileIds).toEqual([output[0].json.file_id]);
	});

	it('reads the group\'s list once per execution, however many items', async () => {
		bed.emulator.seedFiles(GROUP_ID, 1500);
		const items = Array.from({ length: 20 }, (_, index) => binaryItem(Buffer.from(`file ${index}`), `upload-${index}.txt`));
		const { error, items: output } = await bed.engine.run(upload('replaceIfDifferent'), { items });
		expect(error).toBeUndefined();
		expect(output.every((item) => item.json.skipped === false)).toBe(true);
		expect([count('listFiles'), count('uploadFile')]).toEqual([2, 20]);
		// A second run (a new execution) reads again, and finds every file unchanged.
		bed.emulator.clearRequests();
		const again = await bed.engine.run(upload('replaceIfDifferent'), { items });
		expect(again.items.every((item) => item.json.skipped === true)).toBe(true);
		expect([count('listFiles'), count('uploadFile'), count('deleteFile')]).toEqual([2, 0, 0]);
	});
});

describe('Upload: an answer lost after the service stored the file (5xx, reset)', () => {
	it.each([502, 500, 503, 504])('HTTP %i after the file was stored: found in a fresh list, stored once', async (status) => {
		const content = sampleBytes(2048);
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status, phase: 'afterHandling' });
		const { items, error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items: [binaryItem(content, 'minutes.txt')] });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(items[0].json).toMatchObject({ file_id: stored[0].fileId, file_name: 'minutes.txt', file_size: 2048 });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles']);
	});

	it('no retry left after a 502 that came after the file was stored: one last look finds it, no error', async () => {
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
		const { items, error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 0 } }), { items: [binaryItem(sampleBytes(99), 'last.bin')] });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(items[0].json).toMatchObject({ file_id: stored[0].fileId, file_size: 99 });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles']);
	});

	it('no retry left and the file is not there: the 502 is reported', async () => {
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502 });
		const { error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 0 } }), { items: [binaryItem(sampleBytes(99), 'last.bin')] });
		expect((error as { httpCode?: string }).httpCode).toBe('502');
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
	});

	it('HTTP 502 before the service acted: looked for, not found, sent again, stored once', async () => {
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502 });
		const { error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items: [binaryItem(sampleBytes(10), 'a.txt')] });
		expect(error).toBeUndefined();
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles', 'uploadFile']);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
	});

	it('the recovery reads the list again, not the copy read before the upload', async () => {
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
		const { items, error } = await bed.engine.run(upload('skip'), { items: [binaryItem(sampleBytes(10), 'a.txt')] });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ file_name: 'a.txt', skipped: false });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles']);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
	});

	it('a same-name, same-size file another item of the run uploaded is not claimed', async () => {
		const content = sampleBytes(64);
		// The first item's upload is answered; the second one's answer is lost after it was stored.
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'delay', ms: 0 });
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
		const { items, error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), {
			items: [binaryItem(content, 'same.bin'), binaryItem(content, 'same.bin')],
		});
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(2);
		expect(new Set(items.map((item) => item.json.file_id))).toEqual(new Set(stored.map((entry) => entry.fileId)));
	});

	it('another party\'s earlier copy is told apart by when it was created', async () => {
		const content = sampleBytes(64);
		const theirs = bed.emulator.addFile(GROUP_ID, { fileName: 'same.bin', bytes: content, created: Date.now() - 3000 });
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
		const { items, error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items: [binaryItem(content, 'same.bin')] });
		expect(error).toBeUndefined();
		const ours = bed.emulator.listFiles(GROUP_ID).find((entry) => entry.fileId !== theirs.fileId)!;
		expect(items[0].json.file_id).toBe(ours.fileId);
		expect(count('uploadFile')).toBe(1);
	});

	it('two candidates it cannot tell apart: says so, and neither guesses nor uploads again', async () => {
		const content = sampleBytes(64);
		// Attempt 1 is stored but its answer lost; the list does not show it yet (the service lags);
		// attempt 2 is stored and its answer lost too. Two fitting files, both made during this item's attempts.
		const emptyPage = { action: 'get', application: 'x', uri: 'x', entities: [], data: [], timestamp: 1, duration: 0, organization: 'demo-org', applicationName: 'demo-app' };
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling', times: 2 });
		// The list read before the upload is answered as it is; the first look after it misses the file.
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 200, body: JSON.stringify(emptyPage), contentType: 'application/json', skip: 1 });
		const { error } = await bed.engine.run(file('upload', { requestOptions: { maxRetries: 3 } }), { items: [binaryItem(content, 'same.bin')] });
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(2);
		expect(error?.message).toMatch(/^The answer to the upload of "same\.bin" was lost, and 2 files of that name and size have appeared in the group since: /);
		for (const copy of stored) expect(error?.message).toContain(copy.fileId);
		expect(error?.description).toMatch(/neither uploads the file again nor picks one/);
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles', 'uploadFile', 'listFiles']);
	});
});

describe('Get Many: filters, Limit, Return All', () => {
	function seedNamed() {
		const now = Date.now();
		const owners = ['alice', 'bob'];
		return ['Report-1.pdf', 'report-2.PDF', 'notes.txt', 'report.pdf.bak', 'photo.jpg', 'REPORT-3.pdf'].map((fileName, index) =>
			bed.emulator.addFile(GROUP_ID, { fileName, bytes: Buffer.from(fileName), owner: owners[index % 2], created: now - (6 - index) * HOUR_MS }),
		);
	}

	it.each([
		['exact name, any case', { fileName: 'NOTES.TXT' }, ['notes.txt']],
		['wildcard', { fileName: 'report-*.pdf' }, ['REPORT-3.pdf', 'report-2.PDF', 'Report-1.pdf']],
		['* alone matches everything', { fileName: '*' }, ['REPORT-3.pdf', 'photo.jpg', 'report.pdf.bak', 'notes.txt', 'report-2.PDF', 'Report-1.pdf']],
		['owner', { owner: 'bob' }, ['REPORT-3.pdf', 'report.pdf.bak', 'report-2.PDF']],
		['uploaded after (inclusive) and before (exclusive)', { uploadedAfter: 'after', uploadedBefore: 'before' }, ['report.pdf.bak', 'notes.txt']],
	])('%s', async (_label, filters: Record<string, string>, expected) => {
		const seeded = seedNamed();
		const resolved: Record<string, string> = { ...filters };
		if (filters.uploadedAfter) resolved.uploadedAfter = new Date(seeded[2].created).toISOString();
		if (filters.uploadedBefore) resolved.uploadedBefore = new Date(seeded[4].created).toISOString();
		const { items, error } = await bed.engine.run(file('getAll', { returnAll: true, filters: resolved }));
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.file_name)).toEqual(expected);
	});

	it('Limit counts matching files, and stops reading once it has them', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		const oldest = bed.emulator.listFiles(GROUP_ID).slice(-3);
		const { items, error } = await bed.engine.run(file('getAll', { returnAll: false, limit: 5, filters: { fileName: 'seed-0000*.txt' } }));
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.file_name)).toEqual(['seed-00009.txt', 'seed-00008.txt', 'seed-00007.txt', 'seed-00006.txt', 'seed-00005.txt']);
		expect(bed.emulator.requests.map((request) => request.query)).toEqual([1, 2, 3].map((page) => ({ pagenum: String(page), pagesize: '1000' })));
		expect(oldest).toHaveLength(3);
		bed.emulator.clearRequests();
		const early = await bed.engine.run(file('getAll', { returnAll: false, limit: 2, filters: { fileName: 'seed-025*' } }));
		expect(early.items.map((item) => item.json.file_name)).toEqual(['seed-02500.txt']);
		expect(count('listFiles')).toBe(3);
	});

	it('Return All reads the minimum pages, once per group for all items of the execution', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		const { items, error } = await bed.engine.run(file('getAll', { returnAll: true, filters: { fileName: 'seed-0001*' } }), { items: [{ json: {} }, { json: {} }] });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2 * 10);
		expect(count('listFiles')).toBe(3);
	});

	it('10,000 files take exactly 10 pages: the most a group can hold, no 11th request', async () => {
		bed.emulator.seedFiles(GROUP_ID, 10_000);
		const { items, error } = await bed.engine.run(file('getAll', { returnAll: true }));
		expect(error).toBeUndefined();
		expect(items).toHaveLength(10_000);
		expect(count('listFiles')).toBe(10);
	});

	it('a service that ignores pagenum ends with a clear error, not a loop', async () => {
		bed.emulator.seedFiles(GROUP_ID, 1000);
		bed.emulator.configure({ listIgnoresPageNumber: true });
		try {
			const { error } = await bed.engine.run(file('getAll', { returnAll: true }));
			expect(error?.message).toBe(`The service sent the same page of files twice (pages 1 and 2 of group "${GROUP_ID}")`);
			expect(error?.description).toMatch(/ignores the page number \(pagenum\)/);
			expect(count('listFiles')).toBe(2);
		} finally {
			bed.emulator.configure({ listIgnoresPageNumber: false });
		}
	});

	it('a date that is not one is refused before anything is sent', async () => {
		const { error } = await bed.engine.run(file('getAll', { returnAll: true, filters: { uploadedAfter: 'yesterday-ish' } }));
		expect(error?.message).toBe('Uploaded After is not a date: "yesterday-ish"');
		expect(bed.emulator.requests).toEqual([]);
	});
});

describe('Download: names and bytes', () => {
	it('50 downloads without Content-Disposition in one execution: exactly one listing', async () => {
		bed.emulator.configure({ downloadHeaders: 'none' });
		bed.emulator.seedFiles(GROUP_ID, 1200);
		const chosen = bed.emulator.listFiles(GROUP_ID).slice(0, 50);
		const items: INodeExecutionData[] = chosen.map((entry) => ({ json: { id: entry.fileId } }));
		const { items: output, error } = await bed.engine.run(file('download', { fileId: '={{ $json.id }}' }), { items });
		expect(error).toBeUndefined();
		expect(output.map((item) => item.binary?.data.fileName)).toEqual(chosen.map((entry) => entry.fileName));
		expect(output.map((item) => item.json.fileName)).toEqual(chosen.map((entry) => entry.fileName));
		expect(output.every((item, index) => bytesOf(item).equals(chosen[index].bytes))).toBe(true);
		expect(count('downloadFile')).toBe(50);
		expect(count('listFiles')).toBe(2); // one listing: 1,200 files are two pages
		expect(bed.emulator.requests.filter((request) => request.operation === 'listFiles').map((request) => request.query.pagenum)).toEqual(['1', '2']);
	});

	it('File Name option: the name given, no look-up', async () => {
		bed.emulator.configure({ downloadHeaders: 'none' });
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'ignored.txt', bytes: Buffer.from('abc') });
		const { items, error } = await bed.engine.run(file('download', { fileId: stored.fileId, options: { fileName: '={{ "from-list.pdf" }}' } }));
		expect(error).toBeUndefined();
		expect(items[0].binary?.data).toMatchObject({ fileName: 'from-list.pdf', mimeType: 'application/pdf', fileExtension: 'pdf' });
		expect(items[0].json.fileName).toBe('from-list.pdf');
		expect(count('listFiles')).toBe(0);
	});

	it('a failed look-up falls back to the file ID: the bytes are kept', async () => {
		bed.emulator.configure({ downloadHeaders: 'none' });
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'a.txt', bytes: Buffer.from('keep me') });
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 403, error: 'forbidden_op', description: 'no listing for you' });
		const { items, error } = await bed.engine.run(file('download', { fileId: stored.fileId }));
		expect(error).toBeUndefined();
		expect(items[0].json.fileName).toBe(stored.fileId);
		expect(bytesOf(items[0]).toString()).toBe('keep me');
	});

	it('asks for the bytes uncompressed, so their length is the declared one', async () => {
		bed.emulator.configure({ compressDownloads: true });
		try {
			const content = Buffer.alloc(100_000, 'compressible ');
			const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'big.txt', bytes: content, contentType: 'text/plain' });
			const { items, error } = await bed.engine.run(file('download', { fileId: stored.fileId, requestOptions: { maxRetries: 1 } }));
			expect(error).toBeUndefined();
			expect(bytesOf(items[0]).equals(content)).toBe(true);
			expect(bed.emulator.requests.map((request) => request.headers['accept-encoding'])).toEqual(['identity']);
		} finally {
			bed.emulator.configure({ compressDownloads: false });
		}
	});
});

describe('Update announcement: Only If Changed', () => {
	const update = (announcement: string, onlyIfChanged = true) => ({
		resource: 'announcement',
		operation: 'update',
		groupId: GROUP_ID,
		announcement,
		options: { onlyIfChanged },
	});

	it('an equal text is read, not written: changed false', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Stand-up at 9:30 🚀');
		const { items, error } = await bed.engine.run(update('Stand-up at 9:30 🚀'));
		expect(error).toBeUndefined();
		expect(items).toEqual([{ json: { groupId: GROUP_ID, result: true, changed: false }, pairedItem: { item: 0 } }]);
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['getAnnouncement']);
	});

	it('a different text is written: changed true', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'old');
		const { items, error } = await bed.engine.run(update('new'));
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ groupId: GROUP_ID, result: true, changed: true });
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('new');
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['getAnnouncement', 'updateAnnouncement']);
	});

	it('a text that differs only in case or spacing is a change', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Hello');
		const { items } = await bed.engine.run(update('hello '));
		expect(items[0].json.changed).toBe(true);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('hello ');
	});

	it('off (the default): writes without reading, and the output has no changed field', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'same');
		const { items } = await bed.engine.run(update('same', false));
		expect(items[0].json).toEqual({ groupId: GROUP_ID, result: true });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['updateAnnouncement']);
	});

	it('a text too long is refused before the read', async () => {
		const { error } = await bed.engine.run(update('x'.repeat(513)));
		expect(error?.message).toBe('The Announcement is 513 characters long; Agora Chat accepts at most 512');
		expect(bed.emulator.requests).toEqual([]);
	});
});

describe('the file-name matcher (shared with the trigger)', () => {
	it.each([
		['report.pdf', 'REPORT.PDF', true],
		['report.pdf', 'report.pdf.bak', false],
		['report-*.pdf', 'Report-2026-Q4.PDF', true],
		['report-*.pdf', 'report-.pdf', true],
		['report-*.pdf', 'old report-1.pdf', false],
		['*', 'anything at all', true],
		['', 'anything', true],
		['a+b (*).txt', 'A+B (copy 2).txt', true],
		['a+b (*).txt', 'aab (1).txt', false],
		['报告*', '报告 2026.pdf', true],
		['*.[ch]', 'x.c', false],
		['*.[ch]', 'x.[ch]', true],
		['line*break', 'line\nbreak', true],
	])('%s matches %s: %s', (pattern, name, expected) => {
		expect(fileNameMatcher(pattern)(name)).toBe(expected);
	});

	it('compares names as the service does: case-insensitively, composed and decomposed accents alike', () => {
		expect(sameFileName('IMG_3.JPG', 'img_3.jpg')).toBe(true);
		expect(sameFileName('re\u0301sume\u0301.pdf', 'R\u00e9sum\u00e9.PDF')).toBe(true);
		expect(sameFileName('a.txt', 'a.txt ')).toBe(false);
	});
});

describe('one execution, one list: what an Upload changed is what a later Get Many sees', () => {
	beforeAll(async () => {
		await bed.engine.loadBaseNodes(['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.readWriteFile']);
	});

	it('Upload (Replace If Different) then Get Many in the same run: the new file listed, the replaced one gone, one listing', async () => {
		const [old] = addSameName(1, 'minutes.txt');
		const other = bed.emulator.addFile(GROUP_ID, { fileName: 'agenda.md', bytes: Buffer.from('# Agenda') });
		const content = Buffer.from('new minutes, longer than before');
		const folder = freshFolder(joinPath(filesFolder, 'one-list'));
		writeFile(joinPath(folder, 'minutes.txt'), content);
		const credentials = { [CREDENTIAL_TYPE]: { id: 'credential-1', name: 'Agora Chat account' } };
		const node = (name: string, type: string, parameters: INodeParameters, position: [number, number], extra: Partial<INode> = {}): INode => ({
			id: name, name, type, typeVersion: 1, position, parameters, ...extra,
		});
		const { outputs, error } = await bed.engine.runWorkflow({
			name: 'upload then list',
			nodes: [
				node('Start', 'n8n-nodes-base.manualTrigger', {}, [0, 0]),
				node('Read the file', 'n8n-nodes-base.readWriteFile', { fileSelector: joinPath(folder, 'minutes.txt'), options: {} }, [200, 0]),
				node('Upload', CHAT_GROUP_NODE_TYPE, upload('replaceIfDifferent'), [400, 0], { credentials }),
				node('List', CHAT_GROUP_NODE_TYPE, file('getAll', { returnAll: true }), [600, 0], { credentials, executeOnce: true }),
			],
			connections: {
				Start: { main: [[{ node: 'Read the file', type: 'main', index: 0 }]] },
				'Read the file': { main: [[{ node: 'Upload', type: 'main', index: 0 }]] },
				Upload: { main: [[{ node: 'List', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		});
		expect(error).toBeUndefined();
		const uploaded = outputs.Upload[0].json;
		expect(uploaded.replacedFileIds).toEqual([old.fileId]);
		expect(outputs.List.map((item) => item.json.file_id)).toEqual([uploaded.file_id, other.fileId]);
		expect(outputs.List[0].json).toMatchObject({ file_name: 'minutes.txt', file_size: content.length, file_owner: '@ppAdmin' });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'deleteFile']);
	});
});
