/**
 * The Agora Chat Group Trigger, activated and polled as n8n's server does it (n8n-core's
 * PollContext, PollTriggerExecutor and TriggersAndPollers, with the server's rules for saving
 * static data: n8n's default scheduler, and n8n 2.41's opt-in durable one), against the emulator.
 */
import type { INodeParameters } from 'n8n-workflow';

import { ActivePoller, TRIGGER_NODE_TYPE, triggerNode } from '../support/polling';
import type { PollerOptions } from '../support/polling';
import { GROUP_ID, sha256, useTestBed } from './fixtures';

const bed = useTestBed();

const newFiles = (options: INodeParameters = {}): INodeParameters => ({ event: 'newSharedFile', groupId: GROUP_ID, options });
const announcementChanges: INodeParameters = { event: 'announcementChanged', groupId: GROUP_ID };

function activePoller(parameters: INodeParameters, options: PollerOptions = {}): ActivePoller {
	return new ActivePoller(bed.engine, triggerNode(parameters), '{}', options);
}

function addFile(fileName: string, content = `content of ${fileName}`, created?: number) {
	return bed.emulator.addFile(GROUP_ID, { fileName, bytes: Buffer.from(content), contentType: 'text/plain', created });
}

const requestsOf = (operation: string) => bed.emulator.requests.filter((request) => request.operation === operation);
const emittedIds = (poller: ActivePoller) => poller.emissions.flat().map((item) => item.json.file_id);

describe('New Shared File', () => {
	it('the first poll records the group\'s files and emits nothing', async () => {
		bed.emulator.seedFiles(GROUP_ID, 3);
		const poller = activePoller(newFiles());
		const first = await poller.activate();
		expect(first).toEqual({ emitted: null, error: undefined });
		expect(poller.savedState.fileIds).toHaveLength(3);
		expect(await poller.poll()).toEqual({ emitted: null, error: undefined });
		expect(poller.emissions).toEqual([]);
	});

	it('emits each new file once, oldest first, with the fields Get Many returns', async () => {
		addFile('old.txt');
		const poller = activePoller(newFiles());
		await poller.activate();
		const now = bed.emulator.now();
		const b = addFile('b.txt', 'b', now + 2);
		const a = addFile('a.txt', 'a', now + 1);

		const { emitted, error } = await poller.poll();
		expect(error).toBeUndefined();
		expect(emitted?.map((item) => item.json)).toEqual([
			{ file_id: a.fileId, file_name: 'a.txt', file_owner: a.owner, file_size: 1, created: a.created },
			{ file_id: b.fileId, file_name: 'b.txt', file_owner: b.owner, file_size: 1, created: b.created },
		]);
		expect(emitted?.[0].binary).toBeUndefined();
		expect((await poller.poll()).emitted).toBeNull();
		const c = addFile('c.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([c.fileId]);
		expect(emittedIds(poller)).toEqual([a.fileId, b.fileId, c.fileId]);
	});

	it('one poll is one listing pass: pages of 1,000 until a short page, nothing else', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		const poller = activePoller(newFiles());
		await poller.activate();
		bed.emulator.clearRequests();
		addFile('new.txt');
		const { emitted } = await poller.poll();
		expect(emitted).toHaveLength(1);
		expect(requestsOf('listFiles').map((request) => request.query)).toEqual([1, 2, 3].map((page) => ({ pagenum: String(page), pagesize: '1000' })));
		expect(bed.emulator.requests).toHaveLength(3);
	});

	it('deleted files emit nothing', async () => {
		const [kept, removed] = [addFile('kept.txt'), addFile('removed.txt')];
		const poller = activePoller(newFiles());
		await poller.activate();
		const { error } = await bed.engine.run({ resource: 'sharedFile', operation: 'delete', groupId: GROUP_ID, fileId: removed.fileId });
		expect(error).toBeUndefined();
		expect((await poller.poll()).emitted).toBeNull();
		const added = addFile('added.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([added.fileId]);
		expect(bed.emulator.listFiles(GROUP_ID).map((file) => file.fileId).sort()).toEqual([kept.fileId, added.fileId].sort());
		expect(emittedIds(poller)).toEqual([added.fileId]);
	});

	it('a file one listing pass missed (pages moved under it) is not new when it shows again', async () => {
		const [a, b] = [addFile('a.txt'), addFile('b.txt')];
		const poller = activePoller(newFiles());
		await poller.activate();
		const c = addFile('c.txt');
		// The service's answer for that pass: c is there, b is not.
		const page = [c, a].map((file) => ({ file_id: file.fileId, file_name: file.fileName, file_owner: file.owner, file_size: file.fileSize, created: file.created }));
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 200, contentType: 'application/json', body: JSON.stringify({ action: 'get', data: page }) });
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([c.fileId]);
		expect((await poller.poll()).emitted).toBeNull();
		expect(emittedIds(poller)).toEqual([c.fileId]);
		expect(poller.savedState.fileIds).toEqual(expect.arrayContaining([a.fileId, b.fileId, c.fileId]));
	});

	it('a failed poll (5xx beyond the retries, 429, lost connection) keeps the state: the files come on the next poll', async () => {
		const poller = activePoller(newFiles());
		await poller.activate();
		const saved = poller.savedState;
		const file = addFile('during-outage.txt');

		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 503, times: 10 });
		const failed = await poller.poll();
		expect(failed.emitted).toBeNull();
		expect(failed.error?.message).toMatch(/503|Service Unavailable|trouble/);
		expect(poller.inMemory).toEqual(saved);
		expect(poller.savedState).toEqual(saved);
		bed.emulator.clearFaults();

		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 429, error: 'reach_limit', description: 'This request has reached api limit.' });
		bed.emulator.injectFault({ operation: 'listFiles', type: 'reset', phase: 'beforeHandling' });
		const retried = await poller.poll();
		expect(retried.error).toBeUndefined();
		expect(retried.emitted?.map((item) => item.json.file_id)).toEqual([file.fileId]);
		expect(requestsOf('listFiles').length).toBeGreaterThanOrEqual(3);
	});

	it('a poll that fails on the second page advances nothing, and the next pass emits the new file once', async () => {
		bed.emulator.seedFiles(GROUP_ID, 1500);
		const poller = activePoller(newFiles());
		await poller.activate();
		const saved = poller.savedState;
		const file = addFile('new.txt');
		bed.emulator.clearRequests();
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 503, skip: 1, times: 10 });
		const failed = await poller.poll();
		expect(failed.error).toBeDefined();
		expect(requestsOf('listFiles')[0].query).toEqual({ pagenum: '1', pagesize: '1000' });
		expect(requestsOf('listFiles').slice(1).every((request) => request.query.pagenum === '2')).toBe(true);
		expect(poller.inMemory).toEqual(saved);
		bed.emulator.clearFaults();
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([file.fileId]);
	});

	it('an expired or refused token fails the poll with what to fix, and keeps the state', async () => {
		const poller = activePoller(newFiles());
		await poller.activate();
		const saved = poller.savedState;
		addFile('new.txt');
		bed.engine.useCredentials({ ...bed.engine.credentials.get('agoraChatApi'), appToken: 'expired-token' });
		const { emitted, error } = await poller.poll();
		expect(emitted).toBeNull();
		expect(error?.message).toBeTruthy();
		expect((error as Error & { description?: string }).description).toMatch(/App Token expires within 24 hours.*App ID \+ App Certificate.*Host/s);
		expect(poller.inMemory).toEqual(saved);
	});

	it('an activation whose first poll fails is refused with the reason, and records nothing', async () => {
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 404, error: 'service_resource_not_found', description: `grpID ${GROUP_ID} does not exist!` });
		const poller = activePoller(newFiles());
		const { error } = await poller.activate();
		expect(error?.message).toContain('does not exist');
		expect(poller.savedState).toEqual({});
	});

	it('the state survives a new process: files added before a restart arrive once, after it', async () => {
		addFile('before.txt');
		const first = activePoller(newFiles());
		await first.activate();
		const one = addFile('one.txt');
		expect((await first.poll()).emitted?.map((item) => item.json.file_id)).toEqual([one.fileId]);
		const two = addFile('two.txt');

		const second = first.restart();
		const activation = await second.activate();
		expect(activation.emitted?.map((item) => item.json.file_id)).toEqual([two.fileId]);
		expect((await second.poll()).emitted).toBeNull();

		// A poll that emitted nothing saved nothing; its process ends; the next one repeats nothing.
		const third = second.restart();
		expect((await third.activate()).emitted).toBeNull();
		const four = addFile('four.txt');
		const fourth = third.restart();
		expect((await fourth.activate()).emitted?.map((item) => item.json.file_id)).toEqual([four.fileId]);
		expect(second.emissions.concat(fourth.emissions).flat().map((item) => item.json.file_id)).toEqual([two.fileId, four.fileId]);
	});

	it('the first poll\'s record is saved by the activation, so a restart before any event misses nothing', async () => {
		const poller = activePoller(newFiles());
		await poller.activate();
		const added = addFile('while-stopped.txt');
		const restarted = poller.restart();
		expect((await restarted.activate()).emitted?.map((item) => item.json.file_id)).toEqual([added.fileId]);
	});

	it('the File Name filter emits only matching files, and a file left out never comes back when the filter changes', async () => {
		const poller = activePoller(newFiles({ fileName: '*.PDF' }));
		await poller.activate();
		const report = addFile('Report 2026.pdf');
		addFile('notes.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_name)).toEqual(['Report 2026.pdf']);
		expect(report.fileName).toBe('Report 2026.pdf');

		const unfiltered = poller.withParameters({ options: {} });
		expect((await unfiltered.activate()).emitted).toBeNull();
		expect(unfiltered.emissions).toEqual([]);
	});

	it('another group starts afresh: its first poll records and emits nothing', async () => {
		addFile('a.txt');
		const poller = activePoller(newFiles());
		await poller.activate();
		bed.emulator.createGroup('2');
		bed.emulator.addFile('2', { fileName: 'other.txt', bytes: Buffer.from('x') });
		const moved = poller.withParameters({ groupId: '2' });
		expect((await moved.activate()).emitted).toBeNull();
		expect(moved.savedState.fileIds).toHaveLength(1);
		expect(moved.savedState.subject).toMatch(/\n2$/);
	});

	it('the state is bounded at the 10,000 ids a group can hold: the ids of files gone are the first to go', async () => {
		const seeded = bed.emulator.seedFiles(GROUP_ID, 10_000);
		const poller = activePoller(newFiles());
		await poller.activate();
		expect(poller.savedState.fileIds).toHaveLength(10_000);
		const { error } = await bed.engine.run({ resource: 'sharedFile', operation: 'delete', groupId: GROUP_ID, fileId: seeded[0].fileId });
		expect(error).toBeUndefined();
		const added = addFile('one more.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([added.fileId]);
		const remembered = poller.savedState.fileIds as string[];
		expect(remembered).toHaveLength(10_000);
		expect(remembered[0]).toBe(added.fileId);
		expect(remembered).not.toContain(seeded[0].fileId);
		expect(JSON.stringify(poller.savedState).length).toBeLessThan(500_000);
	});

	it('Download Files: each item carries its file in `data`, byte for byte, named and typed as Download does', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const bytes = Buffer.from('%PDF-1.7 report');
		const file = bed.emulator.addFile(GROUP_ID, { fileName: '报告 "2026".pdf', bytes, contentType: 'application/octet-stream' });
		bed.emulator.clearRequests();
		const { emitted, error } = await poller.poll();
		expect(error).toBeUndefined();
		expect(emitted).toHaveLength(1);
		const [item] = emitted!;
		expect(item.json.file_id).toBe(file.fileId);
		expect(item.binary?.data).toMatchObject({ fileName: '报告 "2026".pdf', mimeType: 'application/pdf' });
		expect(sha256(await bed.engine.readBinary(item.binary!.data))).toBe(sha256(bytes));
		expect(requestsOf('downloadFile')).toHaveLength(1);
		expect(requestsOf('listFiles')).toHaveLength(1);
	});

	it('Download Files: a file that still fails after the retries is emitted once, without bytes and with what to do; the files after it and later polls go on', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const now = bed.emulator.now();
		const broken = addFile('broken.txt', 'x'.repeat(2000), now + 1);
		const fine = addFile('fine.txt', 'fine', now + 2);
		bed.emulator.clearRequests();
		// Every attempt at the first (oldest) file: 1 + Max Retries (4).
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'status', status: 502, times: 5 });
		const { emitted, error } = await poller.poll();
		expect(error).toBeUndefined();
		expect(emitted?.map((item) => item.json.file_id)).toEqual([broken.fileId, fine.fileId]);
		const [failed, arrived] = emitted!;
		expect(failed.binary).toBeUndefined();
		expect(failed.json).toMatchObject({ file_id: broken.fileId, file_name: 'broken.txt', file_size: 2000 });
		expect(failed.json.error).toMatch(/^The file could not be downloaded: .*HTTP 502.*tried 5 times.*does not try this file again: download it with the Agora Chat Group node \(Shared File > Download\)/s);
		expect((await bed.engine.readBinary(arrived.binary!.data)).toString()).toBe('fine');
		expect(requestsOf('downloadFile').filter((request) => request.fileId === broken.fileId)).toHaveLength(5);

		// The state moved past it: nothing comes twice, and the next file comes as usual.
		expect((await poller.poll()).emitted).toBeNull();
		const later = addFile('later.txt', 'later');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([later.fileId]);
		expect(emittedIds(poller)).toEqual([broken.fileId, fine.fileId, later.fileId]);
		expect(poller.savedState.fileIds).toEqual(expect.arrayContaining([broken.fileId, fine.fileId, later.fileId]));
	});

	it('Download Files: a file the service no longer has (404) is emitted at once without bytes, naming the file', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const expired = addFile('expired.txt');
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'status', status: 404, error: 'file_expired', description: 'file expired' });
		const { emitted } = await poller.poll();
		expect(emitted).toHaveLength(1);
		expect(emitted![0].binary).toBeUndefined();
		expect(emitted![0].json.error).toMatch(new RegExp(`file expired.*File "${expired.fileId}" is not a shared file of group "${GROUP_ID}".*Shared File > Download`, 's'));
		expect(requestsOf('downloadFile')).toHaveLength(1);
	});

	it('Download Files: a listed file whose id is ".." is emitted without bytes and sends nothing for it; the files after it come whole and later polls go on', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const now = bed.emulator.now();
		bed.emulator.addFile(GROUP_ID, { fileName: 'hostile.txt', bytes: Buffer.from('h'), contentType: 'text/plain', created: now - 10, fileId: '..' });
		const fine = addFile('fine.txt', 'fine', now);
		const { emitted, error } = await poller.poll();
		expect(error).toBeUndefined();
		expect(emitted?.map((item) => item.json.file_id)).toEqual(['..', fine.fileId]);
		expect(emitted![0].binary).toBeUndefined();
		expect(emitted![0].json.error).toMatch(/The File ID "\.\." is not an ID.*nothing was requested/s);
		expect((await bed.engine.readBinary(emitted![1].binary!.data)).toString()).toBe('fine');
		expect(requestsOf('downloadFile').map((request) => request.fileId)).toEqual([fine.fileId]);
		expect(bed.emulator.requests.some((request) => /\/chatgroups\/[^/]+\/?$/.test(request.path ?? ''))).toBe(false);
		const later = addFile('later.txt', 'later', now + 10);
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([later.fileId]);
	});

	it('Download Files: a body that ends short is fetched again and emitted whole; one that stays short is emitted without bytes, saying so', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const whole = addFile('whole.txt', 'whole content');
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
		const first = await poller.poll();
		expect((await bed.engine.readBinary(first.emitted![0].binary!.data)).toString()).toBe('whole content');
		expect(requestsOf('downloadFile').map((request) => request.fileId)).toEqual([whole.fileId, whole.fileId]);

		const short = addFile('short.txt', 'never whole');
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate', times: 10 });
		const { emitted } = await poller.poll();
		expect(emitted?.map((item) => item.json.file_id)).toEqual([short.fileId]);
		expect(emitted![0].binary).toBeUndefined();
		expect(emitted![0].json.error).toMatch(/^The file could not be downloaded: The (connection to the Agora Chat service was lost|file did not arrive whole)/);
	});

	it('Download Files: a refused token concerns every file, so the poll fails and keeps the state; the file comes whole once the token is fixed', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const saved = poller.savedState;
		const file = addFile('new.txt', 'whole');
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'status', status: 401, error: 'unauthorized', description: 'Unable to authenticate due to expired access token' });
		const failed = await poller.poll();
		expect(failed.emitted).toBeNull();
		expect((failed.error as Error & { description?: string }).description).toMatch(/refused the token/);
		expect(poller.inMemory).toEqual(saved);
		const { emitted } = await poller.poll();
		expect(emitted?.map((item) => item.json.file_id)).toEqual([file.fileId]);
		expect((await bed.engine.readBinary(emitted![0].binary!.data)).toString()).toBe('whole');
	});

	it('Fetch Test Event (manual mode) returns the newest file, with its binary when Download Files is on', async () => {
		const now = bed.emulator.now();
		addFile('older.txt', 'o', now - 1000);
		const newest = addFile('newest.txt', 'n', now);
		const { items, error } = await bed.engine.run(newFiles({ downloadFiles: true }), { nodeType: TRIGGER_NODE_TYPE });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ file_id: newest.fileId, file_name: 'newest.txt' });
		expect(items[0].binary?.data).toMatchObject({ fileName: 'newest.txt', mimeType: 'text/plain' });
	});

	it('Fetch Test Event in an empty group says what to do', async () => {
		const { error } = await bed.engine.run(newFiles(), { nodeType: TRIGGER_NODE_TYPE });
		expect(error?.message).toBe(`Group "${GROUP_ID}" has no shared file to show`);
		expect((error as unknown as { description: string }).description).toMatch(/Share a file in the group/);
	});
});

describe('One poll at a time, and re-activation', () => {
	it('two polls of one trigger at once (a download outlasting the interval): each file is emitted once, and the tick that finds a poll running sends nothing', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }));
		await poller.activate();
		const file = addFile('slow.bin', 'slow bytes');
		bed.emulator.clearRequests();
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'delay', ms: 1500, times: 2 });
		await Promise.all([poller.poll(), poller.poll()]);
		expect(emittedIds(poller)).toEqual([file.fileId]);
		expect(requestsOf('listFiles')).toHaveLength(1);
		expect(requestsOf('downloadFile')).toHaveLength(1);
		// Once it has ended, the next tick polls again, from the state it left.
		expect((await poller.poll()).emitted).toBeNull();
		expect(requestsOf('listFiles')).toHaveLength(2);
	});

	it('two polls of the announcement at once emit one change', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'v1');
		const poller = activePoller(announcementChanges);
		await poller.activate();
		bed.emulator.setAnnouncement(GROUP_ID, 'v2');
		bed.emulator.injectFault({ operation: 'getAnnouncement', type: 'delay', ms: 500, times: 2 });
		await Promise.all([poller.poll(), poller.poll()]);
		expect(poller.emissions.flat().map((item) => item.json.announcement)).toEqual(['v2']);
	});

	it('another trigger (or workflow) polls at the same time as usual', async () => {
		const first = activePoller(newFiles({ downloadFiles: true }));
		await first.activate();
		const other = new ActivePoller(bed.engine, { ...triggerNode(newFiles()), id: 'another-trigger', name: 'Another trigger' });
		await other.activate();
		const file = addFile('both.txt');
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'delay', ms: 1000 });
		await Promise.all([first.poll(), other.poll()]);
		expect([emittedIds(first), emittedIds(other)]).toEqual([[file.fileId], [file.fileId]]);
	});

	it('a re-activation delivers, each once, what was shared while the workflow was off; only the first activation records silently', async () => {
		addFile('before the first activation.txt');
		const poller = activePoller(newFiles());
		expect((await poller.activate()).emitted).toBeNull();
		const one = addFile('one.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([one.fileId]);

		// Deactivated: n8n keeps the workflow's static data.
		const now = bed.emulator.now();
		const [two, three] = [addFile('two.txt', 'two', now + 1), addFile('three.txt', 'three', now + 2)];
		const reactivated = poller.reactivate();
		expect((await reactivated.activate()).emitted?.map((item) => item.json.file_id)).toEqual([two.fileId, three.fileId]);
		expect((await reactivated.poll()).emitted).toBeNull();
		// Off and on again with nothing new: nothing.
		const again = reactivated.reactivate();
		expect((await again.activate()).emitted).toBeNull();
		expect(poller.emissions.concat(reactivated.emissions, again.emissions).flat().map((item) => item.json.file_id)).toEqual([one.fileId, two.fileId, three.fileId]);
	});

	it('a re-activation delivers the announcement changed while the workflow was off', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'before');
		const poller = activePoller(announcementChanges);
		expect((await poller.activate()).emitted).toBeNull();
		bed.emulator.setAnnouncement(GROUP_ID, 'while off');
		const reactivated = poller.reactivate();
		expect((await reactivated.activate()).emitted?.map((item) => item.json)).toEqual([{ groupId: GROUP_ID, announcement: 'while off', previous: 'before' }]);
	});
});

describe("n8n 2.41's durable poll scheduler", () => {
	const durable: PollerOptions = { scheduler: 'durable' };

	it('the first activation\'s record holds although the scheduler drops its poll\'s own: a file shared before the first scheduled poll arrives with it', async () => {
		addFile('already there.txt');
		const poller = activePoller(newFiles(), durable);
		expect((await poller.activate()).emitted).toBeNull();
		const shared = addFile('shared right after the activation.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([shared.fileId]);
		expect((await poller.poll()).emitted).toBeNull();
		expect(emittedIds(poller)).toEqual([shared.fileId]);
	});

	it('the first activation\'s record holds across a restart of n8n before the first scheduled poll', async () => {
		const poller = activePoller(newFiles(), durable);
		await poller.activate();
		const shared = addFile('shared while n8n was stopped.txt');
		const restarted = poller.restart();
		// n8n's start finds the scheduler's jobs in place: no activation poll.
		expect((await restarted.activate()).emitted).toBeNull();
		expect((await restarted.poll()).emitted?.map((item) => item.json.file_id)).toEqual([shared.fileId]);
	});

	it('a first scheduled poll that finds nothing new makes the activation\'s record the node\'s own', async () => {
		const there = addFile('already there.txt');
		const poller = activePoller(newFiles(), durable);
		await poller.activate();
		expect((await poller.poll()).emitted).toBeNull();
		expect(poller.savedState.fileIds).toEqual([there.fileId]);
		const file = addFile('after.txt');
		expect((await poller.restart().poll()).emitted?.map((item) => item.json.file_id)).toEqual([file.fileId]);
	});

	it('the first activation\'s announcement holds: a change before the first scheduled poll fires', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'v1');
		const poller = activePoller(announcementChanges, durable);
		expect((await poller.activate()).emitted).toBeNull();
		bed.emulator.setAnnouncement(GROUP_ID, 'v2');
		expect((await poller.poll()).emitted?.map((item) => item.json)).toEqual([{ groupId: GROUP_ID, announcement: 'v2', previous: 'v1' }]);
		expect((await poller.poll()).emitted).toBeNull();
	});

	it('a re-activation delivers what was shared while the workflow was off; a restart delivers what was shared while n8n was stopped, with the first poll', async () => {
		const poller = activePoller(newFiles(), durable);
		await poller.activate();
		const one = addFile('one.txt');
		expect((await poller.poll()).emitted?.map((item) => item.json.file_id)).toEqual([one.fileId]);
		const two = addFile('two.txt');
		const reactivated = poller.reactivate();
		expect((await reactivated.activate()).emitted?.map((item) => item.json.file_id)).toEqual([two.fileId]);
		const three = addFile('three.txt');
		const restarted = reactivated.restart();
		expect((await restarted.activate()).emitted).toBeNull();
		expect((await restarted.poll()).emitted?.map((item) => item.json.file_id)).toEqual([three.fileId]);
		expect((await restarted.poll()).emitted).toBeNull();
	});

	it('Download Files: more new files than one poll\'s budget allows arrive over the next polls, each once, none lost, oldest first', async () => {
		const poller = activePoller(newFiles({ downloadFiles: true }), { scheduler: 'durable', pollBudgetMs: 600, pollTimeoutMs: 2000 });
		await poller.activate();
		expect((await poller.poll()).emitted).toBeNull();
		const now = bed.emulator.now();
		const files = [1, 2, 3, 4, 5].map((n) => addFile(`file ${n}.txt`, `content ${n}`, now + n));
		// Every download takes 500 ms: five in one poll would outlast the scheduler's 2 s timeout.
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'delay', ms: 500, times: 100 });
		const outcomes = [];
		for (let poll = 0; poll < 8 && emittedIds(poller).length < files.length; poll++) outcomes.push(await poller.poll());
		await poller.settle();
		expect(outcomes.filter((outcome) => outcome.abandoned)).toEqual([]);
		expect(emittedIds(poller)).toEqual(files.map((file) => file.fileId));
		expect(poller.emissions.length).toBeGreaterThan(1);
		for (const item of poller.emissions.flat()) expect((await bed.engine.readBinary(item.binary!.data)).toString()).toMatch(/^content \d$/);
		expect((await poller.poll()).emitted).toBeNull();
	});
});

describe('Announcement Changed', () => {
	it('fires on a change only, with the previous text; one GET per poll', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Stand-up at 9:30');
		const poller = activePoller(announcementChanges);
		expect((await poller.activate()).emitted).toBeNull();
		expect((await poller.poll()).emitted).toBeNull();

		bed.emulator.setAnnouncement(GROUP_ID, 'Stand-up at 10:00 🚀');
		bed.emulator.clearRequests();
		expect((await poller.poll()).emitted?.map((item) => item.json)).toEqual([
			{ groupId: GROUP_ID, announcement: 'Stand-up at 10:00 🚀', previous: 'Stand-up at 9:30' },
		]);
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['getAnnouncement']);
		expect((await poller.poll()).emitted).toBeNull();

		bed.emulator.setAnnouncement(GROUP_ID, '');
		expect((await poller.poll()).emitted?.map((item) => item.json)).toEqual([
			{ groupId: GROUP_ID, announcement: '', previous: 'Stand-up at 10:00 🚀' },
		]);
		expect(poller.emissions).toHaveLength(2);
	});

	it('a change made while n8n was stopped fires once after the restart; a failed poll keeps the state', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'v1');
		const poller = activePoller(announcementChanges);
		await poller.activate();
		bed.emulator.setAnnouncement(GROUP_ID, 'v2');
		bed.emulator.injectFault({ operation: 'getAnnouncement', type: 'status', status: 500, times: 10 });
		expect((await poller.poll()).error).toBeDefined();
		bed.emulator.clearFaults();

		const restarted = poller.restart();
		expect((await restarted.activate()).emitted?.map((item) => item.json)).toEqual([{ groupId: GROUP_ID, announcement: 'v2', previous: 'v1' }]);
		expect((await restarted.restart().activate()).emitted).toBeNull();
	});

	it('Fetch Test Event (manual mode) returns the current announcement', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Hello team');
		const { items, error } = await bed.engine.run(announcementChanges, { nodeType: TRIGGER_NODE_TYPE });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json)).toEqual([{ groupId: GROUP_ID, announcement: 'Hello team', previous: null }]);
	});
});
