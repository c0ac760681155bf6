/**
 * The workflows in examples/, run whole by n8n's engine with the real n8n-nodes-base nodes
 * they use (trigger swapped for a manual one), against the emulator.
 */
import { loadExample, prepareExample } from '../support/examples';
import { filesFolder } from '../support/n8n-env';
import { freshFolder, joinPath, listFolder, readFile, writeFile } from '../support/node';
import { GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed();
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
	await bed.engine.loadBaseNodes([
		'n8n-nodes-base.manualTrigger',
		'n8n-nodes-base.set',
		'n8n-nodes-base.filter',
		'n8n-nodes-base.readWriteFile',
	]);
});

it('morning announcement: writes today\'s text into the group and reads it back', async () => {
	const workflow = prepareExample(loadExample('morning-announcement'), { groupId: GROUP_ID });
	const { outputs, order, error } = await bed.engine.runWorkflow(workflow);
	expect(error).toBeUndefined();
	expect(order).toEqual(['Every morning at 8', 'Settings', 'Update the group announcement', 'Read it back']);
	// The weekday is the n8n instance's (its timezone), not necessarily this machine's.
	const announcement = bed.emulator.getAnnouncement(GROUP_ID);
	expect(announcement).toMatch(/^Good morning! Today is (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+\. Stand-up at 9:30/);
	expect(outputs['Update the group announcement'][0].json).toEqual({ groupId: GROUP_ID, result: true });
	expect(outputs['Read it back'][0].json).toEqual({ groupId: GROUP_ID, announcement });
});

it('file sync: uploads the outbox, then downloads every group file into the inbox, byte for byte', async () => {
	const outbox = freshFolder(joinPath(filesFolder, 'outbox'));
	const inbox = freshFolder(joinPath(filesFolder, 'inbox'));
	const outgoing = { 'minutes.txt': Buffer.from('Minutes of Monday'), '报告 2026.pdf': sampleBytes(300 * 1024), 'photo.jpg': sampleBytes(50 * 1024) };
	for (const [name, content] of Object.entries(outgoing)) writeFile(joinPath(outbox, name), content);
	const alreadyShared = bed.emulator.addFile(GROUP_ID, { fileName: 'agenda.md', bytes: Buffer.from('# Agenda'), contentType: 'text/markdown' });

	const workflow = prepareExample(loadExample('sync-files'), { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox });
	const { outputs, error } = await bed.engine.runWorkflow(workflow);
	expect(error).toBeUndefined();

	expect(outputs['Upload each file to the group']).toHaveLength(3);
	const stored = bed.emulator.listFiles(GROUP_ID);
	expect(stored.map((file) => file.fileName).sort()).toEqual(['agenda.md', 'minutes.txt', 'photo.jpg', '报告 2026.pdf']);
	for (const [name, content] of Object.entries(outgoing)) {
		expect(sha256(stored.find((file) => file.fileName === name)!.bytes)).toBe(sha256(content));
	}
	expect(listFolder(inbox)).toEqual(['agenda.md', 'minutes.txt', 'photo.jpg', '报告 2026.pdf'].sort());
	for (const file of stored) expect(sha256(readFile(joinPath(inbox, file.fileName)))).toBe(sha256(file.bytes));
	expect(readFile(joinPath(inbox, 'agenda.md')).equals(alreadyShared.bytes)).toBe(true);
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
