/**
 * Issue 17, points 7 and 8: items of one execution that touch one group's announcement with Only
 * If Changed are compared and written in item order, each comparing with what the one before it
 * wrote; and an error shared by items (one failed list read) is never changed: each item's error
 * carries its own item label only.
 */
import { binaryItem, GROUP_ID, useTestBed } from './fixtures';

const bed = useTestBed();

const onlyIfChanged = { resource: 'announcement', operation: 'update', groupId: '={{ $json.group }}', announcement: '={{ $json.text }}', options: { onlyIfChanged: true } };
const texts = (...values: string[]) => values.map((text) => ({ json: { group: GROUP_ID, text } }));
const operations = () => bed.emulator.requests.map((request) => request.operation);

describe('7: Only If Changed, several items for one group', () => {
	it('[B, A] on a group holding A: both write, in item order, and the group ends with A', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'A');
		const { items, error } = await bed.engine.run(onlyIfChanged, { items: texts('B', 'A') });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.changed)).toEqual([true, true]);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('A');
		expect(operations()).toEqual(['getAnnouncement', 'updateAnnouncement', 'updateAnnouncement']);
		expect(bed.emulator.requests.filter((request) => request.method === 'POST').map((request) => request.bodyBytes)).toEqual([
			JSON.stringify({ announcement: 'B' }).length,
			JSON.stringify({ announcement: 'A' }).length,
		]);
	});

	it('[A, A, B, B, A]: each item compares with what the item before it left', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'A');
		const { items, error } = await bed.engine.run(onlyIfChanged, { items: texts('A', 'A', 'B', 'B', 'A') });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.changed)).toEqual([false, false, true, false, true]);
		expect(operations()).toEqual(['getAnnouncement', 'updateAnnouncement', 'updateAnnouncement']);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('A');
	});

	it('items for two groups are ordered per group, and each group is read once', async () => {
		bed.emulator.createGroup('other', { announcement: 'X' });
		bed.emulator.setAnnouncement(GROUP_ID, 'A');
		const items = [
			{ json: { group: GROUP_ID, text: 'B' } },
			{ json: { group: 'other', text: 'X' } },
			{ json: { group: GROUP_ID, text: 'A' } },
			{ json: { group: 'other', text: 'Y' } },
		];
		const { items: output, error } = await bed.engine.run(onlyIfChanged, { items });
		expect(error).toBeUndefined();
		expect(output.map((item) => [item.json.groupId, item.json.changed])).toEqual([
			[GROUP_ID, true],
			['other', false],
			[GROUP_ID, true],
			['other', true],
		]);
		expect([bed.emulator.getAnnouncement(GROUP_ID), bed.emulator.getAnnouncement('other')]).toEqual(['A', 'Y']);
		expect(operations().filter((operation) => operation === 'getAnnouncement')).toHaveLength(2);
	});

	it('a failed write leaves the next item to read the announcement itself', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'A');
		bed.emulator.injectFault({ operation: 'updateAnnouncement', type: 'status', status: 403, error: 'forbidden_op', description: 'muted' });
		const { items, error } = await bed.engine.run(onlyIfChanged, { items: texts('B', 'A'), continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.error?.message ?? item.json.changed)).toEqual(['muted', false]);
		expect(operations()).toEqual(['getAnnouncement', 'updateAnnouncement', 'getAnnouncement']);
	});
});

describe('8: one failed list read shared by several items', () => {
	const skipUploads = (count: number) => Array.from({ length: count }, (_, index) => binaryItem(Buffer.from(`${index}`), `file-${index}.txt`));
	const uploadToMissingGroup = { resource: 'sharedFile', operation: 'upload', groupId: 'missing', options: { ifFileExists: 'skip' } };

	// The read takes a while, so that all four items wait for it and share its one failure.
	beforeEach(() => bed.emulator.injectFault({ operation: 'listFiles', type: 'delay', ms: 300 }));

	it('stops the node with the first item\'s error, labelled with that item only', async () => {
		const { error } = await bed.engine.run(uploadToMissingGroup, { items: skipUploads(4) });
		expect(error?.message).toBe('grpID missing does not exist! [item 0]');
		expect(bed.emulator.requests.filter((request) => request.operation === 'listFiles')).toHaveLength(1);
	});

	it('under Continue On Fail every item gets its own error object: its message unlabelled, its own item index', async () => {
		const { items, error } = await bed.engine.run(uploadToMissingGroup, { items: skipUploads(4), continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((item) => [item.error?.message, (item.pairedItem as { item: number }).item, (item.error as { context?: { itemIndex?: number } }).context?.itemIndex])).toEqual([
			['grpID missing does not exist!', 0, 0],
			['grpID missing does not exist!', 1, 1],
			['grpID missing does not exist!', 2, 2],
			['grpID missing does not exist!', 3, 3],
		]);
		expect(new Set(items.map((item) => item.error)).size).toBe(4);
	});
});
