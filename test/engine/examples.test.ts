/**
 * The workflows in examples/, run whole by n8n's engine with the real n8n-nodes-base nodes
 * they use (trigger swapped for a manual one), against the emulator.
 */
import { EXAMPLE_BASE_NODES, loadExample, prepareExample } from '../support/examples';
import { filesFolder } from '../support/n8n-env';
import { freshFolder, joinPath, listFolder, readFile, writeFile } from '../support/node';
import { GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed();
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
	await bed.engine.loadBaseNodes([...EXAMPLE_BASE_NODES]);
});

it('morning announcement: writes today\'s text into the group, reads it back; a second run writes nothing', async () => {
	bed.emulator.setAnnouncement(GROUP_ID, 'Yesterday');
	const workflow = prepareExample(loadExample('morning-announcement'), { groupId: GROUP_ID });
	const { outputs, order, error } = await bed.engine.runWorkflow(workflow);
	expect(error).toBeUndefined();
	expect(order).toEqual(['Every morning at 8', 'Settings', 'Update the group announcement', 'Read it back']);
	// The weekday is the n8n instance's (its timezone), not necessarily this machine's.
	const announcement = bed.emulator.getAnnouncement(GROUP_ID);
	expect(announcement).toMatch(/^Good morning! Today is (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+\. Stand-up at 9:30/);
	expect(outputs['Update the group announcement'][0].json).toEqual({ groupId: GROUP_ID, result: true, changed: true });
	expect(outputs['Read it back'][0].json).toEqual({ groupId: GROUP_ID, announcement });

	bed.emulator.clearRequests();
	const again = await bed.engine.runWorkflow(workflow);
	expect(again.outputs['Update the group announcement'][0].json).toEqual({ groupId: GROUP_ID, result: true, changed: false });
	expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['getAnnouncement', 'getAnnouncement']);
});

describe('file sync, run three times', () => {
	const count = (operation: string) => bed.emulator.requests.filter((request) => request.operation === operation).length;

	it('stores each outbox file once with its newest bytes, fetches only what is new, and an unchanged run does nothing', async () => {
		bed.engine.clearDeduplicationHistory();
		const outbox = freshFolder(joinPath(filesFolder, 'outbox'));
		const inbox = freshFolder(joinPath(filesFolder, 'inbox'));
		const outgoing: Record<string, Buffer> = { 'minutes.txt': Buffer.from('Minutes of Monday'), '报告 2026.pdf': sampleBytes(300 * 1024), 'photo.jpg': sampleBytes(50 * 1024) };
		for (const [name, content] of Object.entries(outgoing)) writeFile(joinPath(outbox, name), content);
		bed.emulator.addFile(GROUP_ID, { fileName: 'agenda.md', bytes: Buffer.from('# Agenda'), contentType: 'text/markdown' });
		const workflow = prepareExample(loadExample('sync-files'), { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox });
		const downloadsByFile = new Map<string, number>();
		const runOnce = async () => {
			bed.emulator.clearRequests();
			const { outputs, error } = await bed.engine.runWorkflow(workflow);
			expect(error).toBeUndefined();
			for (const request of bed.emulator.requests.filter((entry) => entry.operation === 'downloadFile')) {
				downloadsByFile.set(request.fileId!, (downloadsByFile.get(request.fileId!) ?? 0) + 1);
			}
			return { outputs, calls: [count('uploadFile'), count('deleteFile'), count('downloadFile'), count('listFiles')] };
		};
		const expectInSync = () => {
			const stored = bed.emulator.listFiles(GROUP_ID);
			for (const [name, content] of Object.entries(outgoing)) {
				const copies = stored.filter((file) => file.fileName === name);
				expect(copies).toHaveLength(1);
				expect(sha256(copies[0].bytes)).toBe(sha256(content));
			}
			expect(listFolder(inbox)).toEqual(stored.map((file) => file.fileName).sort());
			for (const file of stored) expect(sha256(readFile(joinPath(inbox, file.fileName)))).toBe(sha256(file.bytes));
		};

		// First run: 3 uploads, the 4 group files downloaded; one listing serves Upload and Get Many.
		const first = await runOnce();
		expect(first.calls).toEqual([3, 0, 4, 1]);
		expect(first.outputs['Upload each file to the group'].map((item) => item.json.skipped)).toEqual([false, false, false]);
		expectInSync();

		// A new file, and one changed in content and size: 2 uploads, the old copy deleted, 2 downloads.
		outgoing['notes.txt'] = Buffer.from('new notes');
		outgoing['minutes.txt'] = Buffer.from('Minutes of Monday, corrected');
		for (const name of ['notes.txt', 'minutes.txt']) writeFile(joinPath(outbox, name), outgoing[name]);
		const second = await runOnce();
		expect(second.calls).toEqual([2, 1, 2, 1]);
		expectInSync();

		// Nothing changed: no upload, no delete, no download.
		const third = await runOnce();
		expect(third.calls).toEqual([0, 0, 0, 1]);
		expect(third.outputs['Upload each file to the group'].every((item) => item.json.skipped === true)).toBe(true);
		expect(third.outputs['Download each file'] ?? []).toEqual([]);
		expectInSync();
		// Every group file reached the inbox exactly once.
		expect(bed.emulator.listFiles(GROUP_ID).map((file) => downloadsByFile.get(file.fileId))).toEqual([1, 1, 1, 1, 1]);
		expect([...downloadsByFile.values()].every((times) => times === 1)).toBe(true);
	});

	it('a group file named with slashes stays inside the inbox', async () => {
		bed.engine.clearDeduplicationHistory();
		const outbox = freshFolder(joinPath(filesFolder, 'outbox'));
		const inbox = freshFolder(joinPath(filesFolder, 'inbox'));
		bed.emulator.addFile(GROUP_ID, { fileName: '../outbox/minutes.txt', bytes: Buffer.from('not from the outbox') });
		bed.emulator.addFile(GROUP_ID, { fileName: 'a\\b.txt', bytes: Buffer.from('backslash') });
		const workflow = prepareExample(loadExample('sync-files'), { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox });
		const { error } = await bed.engine.runWorkflow(workflow);
		expect(error).toBeUndefined();
		expect(listFolder(inbox)).toEqual(['.._outbox_minutes.txt', 'a_b.txt']);
		expect(listFolder(outbox)).toEqual([]);
	});

	it('with an empty outbox it still downloads what is new in the group', async () => {
		bed.engine.clearDeduplicationHistory();
		const outbox = freshFolder(joinPath(filesFolder, 'outbox'));
		const inbox = freshFolder(joinPath(filesFolder, 'inbox'));
		const shared = bed.emulator.addFile(GROUP_ID, { fileName: 'agenda.md', bytes: Buffer.from('# Agenda') });
		const workflow = prepareExample(loadExample('sync-files'), { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox });
		const { error } = await bed.engine.runWorkflow(workflow);
		expect(error).toBeUndefined();
		expect(listFolder(inbox)).toEqual(['agenda.md']);
		expect(readFile(joinPath(inbox, 'agenda.md')).equals(shared.bytes)).toBe(true);
		expect(count('uploadFile')).toBe(0);
	});
});

it('clean-up: deletes only the files older than the Settings\' age', async () => {
	const now = Date.now();
	// The service keeps shared files 7 days, so "old" here means 4 to 6 days.
	const old = [6, 5, 4].map((days, index) =>
		bed.emulator.addFile(GROUP_ID, { fileName: `old-${index}.log`, bytes: Buffer.from('old'), created: now - days * DAY_MS }),
	);
	const recent = [2, 0].map((days, index) =>
		bed.emulator.addFile(GROUP_ID, { fileName: `recent-${index}.log`, bytes: Buffer.from('new'), created: now - days * DAY_MS }),
	);
	const workflow = prepareExample(loadExample('clean-up-old-files'), { groupId: GROUP_ID, olderThanDays: 3 });
	const { outputs, error } = await bed.engine.runWorkflow(workflow);
	expect(error).toBeUndefined();
	expect(outputs['Older than 3 days'].map((item) => item.json.file_id).sort()).toEqual(old.map((file) => file.fileId).sort());
	expect(outputs['Delete the file'].every((item) => item.json.result === true)).toBe(true);
	expect(bed.emulator.listFiles(GROUP_ID).map((file) => file.fileId).sort()).toEqual(recent.map((file) => file.fileId).sort());
});
