/**
 * Issue 17, point 1: a group or file id is one URL path segment, whatever it holds. "." and ".."
 * (also percent-encoded, also inside a file_url) would make the URL resolver leave the segment
 * (a Delete with File ID ".." addresses DELETE /chatgroups/{group}/, the service's delete-the-group
 * route): every operation, picker, the trigger and the File's URL mode refuse them, naming the
 * field, and send nothing. The emulator serves the group delete, so the group's survival is shown.
 */
import type { INodeParameters } from 'n8n-workflow';

import { ActivePoller, triggerNode } from '../support/polling';
import { binaryItem, GROUP_ID, useTestBed } from './fixtures';

const bed = useTestBed();

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byUrl = (value: string) => ({ __rl: true, mode: 'url', value });
const announcement = (operation: string, groupId: unknown, extra: INodeParameters = {}) =>
	({ resource: 'announcement', operation, groupId, ...extra }) as INodeParameters;
const sharedFile = (operation: string, groupId: unknown, extra: INodeParameters = {}) =>
	({ resource: 'sharedFile', operation, groupId, ...extra }) as INodeParameters;
const fileUrl = (groupSegment: string, fileSegment: string) =>
	`${bed.emulator.url}/demo-org/demo-app/chatgroups/${groupSegment}/share_files/${fileSegment}`;

const GROUP_REFUSAL = /^The Group ID "(\.|\.\.|%2E|%2e%2E|%252E%252E)" is not an ID$/;
const FILE_REFUSAL = /^The File ID "(\.|\.\.|%2E%2E|%252E)" is not an ID$/;

let keptFileId: string;

beforeEach(() => {
	keptFileId = bed.emulator.addFile(GROUP_ID, { fileName: 'keep.txt', bytes: Buffer.from('keep me') }).fileId;
});

function expectGroupIntact(): void {
	expect(bed.emulator.requests.map((request) => `${request.method} ${request.rawPath}`)).toEqual([]);
	expect(bed.emulator.listFiles(GROUP_ID).map((file) => file.fileId)).toEqual([keptFileId]);
}

describe('"." and ".." as ids: refused before anything is sent, naming the field', () => {
	it.each<[string, () => INodeParameters, RegExp]>([
		['Delete with File ID ".." (would be DELETE /chatgroups/{group}/: the group delete)', () => sharedFile('delete', byId(GROUP_ID), { fileId: byId('..') }), FILE_REFUSAL],
		['Delete with File ID "."', () => sharedFile('delete', byId(GROUP_ID), { fileId: byId('.') }), FILE_REFUSAL],
		['Delete with File ID "%2E%2E" (a URL resolver reads %2E as a dot)', () => sharedFile('delete', byId(GROUP_ID), { fileId: byId('%2E%2E') }), FILE_REFUSAL],
		['Delete with File ID "%252E" (a dot once decoded twice)', () => sharedFile('delete', byId(GROUP_ID), { fileId: byId('%252E') }), FILE_REFUSAL],
		['Delete with a plain (pre-picker) File ID ".."', () => sharedFile('delete', GROUP_ID, { fileId: '..' }), FILE_REFUSAL],
		['Delete with a mapped File ID ".."', () => sharedFile('delete', GROUP_ID, { fileId: '={{ ".." }}' }), FILE_REFUSAL],
		['Delete By URL ending in share_files/%2E%2E', () => sharedFile('delete', byId(GROUP_ID), { fileId: byUrl(fileUrl(GROUP_ID, '%2E%2E')) }), FILE_REFUSAL],
		['Download with File ID ".."', () => sharedFile('download', byId(GROUP_ID), { fileId: byId('..') }), FILE_REFUSAL],
		['Download By URL ending in share_files/.', () => sharedFile('download', byId(GROUP_ID), { fileId: byUrl(fileUrl(GROUP_ID, '%2E')) }), FILE_REFUSAL],
		['Update with Group ID "." (would be POST /chatgroups/announcement)', () => announcement('update', byId('.'), { announcement: 'hi' }), GROUP_REFUSAL],
		['Update with Group ID ".."', () => announcement('update', byId('..'), { announcement: 'hi', options: { onlyIfChanged: true } }), GROUP_REFUSAL],
		['Get announcement with Group ID "%2e%2E"', () => announcement('get', byId('%2e%2E')), GROUP_REFUSAL],
		['Get Many with Group ID ".." (would list /{org}/{app}/share_files)', () => sharedFile('getAll', byId('..'), { returnAll: true }), GROUP_REFUSAL],
		['Get Many with a Limit and Group ID "."', () => sharedFile('getAll', '.', { returnAll: false, limit: 5 }), GROUP_REFUSAL],
		['Delete with Group ID ".." and a good file', () => sharedFile('delete', byId('..'), { fileId: byId(keptFileId) }), GROUP_REFUSAL],
		['Delete By URL of group "." with Group ID "."', () => sharedFile('delete', byId('.'), { fileId: byUrl(fileUrl('%2E', keptFileId)) }), GROUP_REFUSAL],
	])('%s', async (_label, parameters, refusal) => {
		const { error, items } = await bed.engine.run(parameters());
		expect(items).toEqual([]);
		expect(error?.message).toMatch(refusal);
		expect(error?.description).toMatch(/"\." and "\.\." .*are not IDs/);
		expectGroupIntact();
	});

	it.each([['..'], ['.'], ['%2E']])('Upload into group "%s" sends nothing, whatever If a File With the Same Name Exists says', async (groupId) => {
		for (const ifFileExists of ['keepBoth', 'skip', 'replaceIfDifferent']) {
			const { error } = await bed.engine.run(sharedFile('upload', byId(groupId), { options: { ifFileExists } }), { items: [binaryItem(Buffer.from('x'), 'x.txt')] });
			expect(error?.message).toMatch(GROUP_REFUSAL);
		}
		expectGroupIntact();
	});

	it('under Continue On Fail each refused item is an error item paired with its input; the good ones run', async () => {
		const { items, error } = await bed.engine.run(sharedFile('delete', byId(GROUP_ID), { fileId: byId('={{ $json.id }}') }), {
			items: [{ json: { id: '..' } }, { json: { id: keptFileId } }, { json: { id: '.' } }],
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => [(item.pairedItem as { item: number }).item, item.error?.message ?? item.json.result])).toEqual([
			[0, 'The File ID ".." is not an ID'],
			[1, true],
			[2, 'The File ID "." is not an ID'],
		]);
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['deleteFile']);
		expect(bed.emulator.state().groups.map((group) => group.groupId)).toEqual([GROUP_ID]);
	});

	it('the File picker of group ".." reads nothing and says why', async () => {
		await expect(bed.engine.listSearch('searchFiles', { resource: 'sharedFile', operation: 'download', groupId: byId('..') })).rejects.toThrow(
			/^Could not load the files of group "\.\.": The Group ID "\.\." is not an ID\./,
		);
		expectGroupIntact();
	});

	it.each([['newSharedFile'], ['announcementChanged']])('the trigger (%s) with group "." fails its activation, naming the field, and sends nothing', async (event) => {
		const poller = new ActivePoller(bed.engine, triggerNode({ event, groupId: byId('.') }));
		const { error } = await poller.activate();
		expect(error?.message).toMatch(GROUP_REFUSAL);
		expectGroupIntact();
	});
});

describe('any other id stays inside its one path segment', () => {
	it.each([
		['a slash', 'a/b'],
		['a slash and dots', '../a/..'],
		['query and fragment characters', 'x?y=1#z'],
		['an encoded slash', 'a%2Fb'],
		['percent-encoded dots among other text', '%2E%2E%2Fx'],
		['a control character', 'bell\u0007'],
		['a line break', 'line\nbreak'],
		['600 characters', 'g'.repeat(600)],
		['non-ASCII', '群组 ✓'],
	])('a group id with %s reaches the service as that id', async (_label, groupId) => {
		bed.emulator.createGroup(groupId, { announcement: `for ${groupId}` });
		const { items, error } = await bed.engine.run(announcement('get', byId(groupId)));
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ groupId, announcement: `for ${groupId}` });
		const [request] = bed.emulator.requests;
		expect(request).toMatchObject({ operation: 'getAnnouncement', groupId });
		expect(request.rawPath).toBe(`/demo-org/demo-app/chatgroups/${encodeURIComponent(groupId)}/announcement`);
	});

	it('a file id with a slash and dots is deleted as that id, not as a path', async () => {
		const { error } = await bed.engine.run(sharedFile('delete', byId(GROUP_ID), { fileId: byId('../..') }));
		expect(error?.message).toBe('share file ../.. does not exist!');
		expect(bed.emulator.requests.map((request) => [request.operation, request.fileId])).toEqual([['deleteFile', '../..']]);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
	});

	it('a group id that cannot be written in a URL at all (an unpaired surrogate) is refused, naming the field', async () => {
		const { error } = await bed.engine.run(announcement('get', byId('a\ud800b')));
		expect(error?.message).toBe('The Group ID cannot be sent: it contains a broken character (an unpaired UTF-16 surrogate)');
		expect(bed.emulator.requests).toEqual([]);
	});
});
