/**
 * The editor's pickers: the Group and File resource locators, their list searches as the editor
 * calls them (n8n's LoadOptionsContext, real requests to the emulator), and the File's URL mode.
 */
import type { INodeParameterResourceLocator, INodeProperties, NodeParameterValueType } from 'n8n-workflow';

import { appTokenCredentials, GROUP_ID, useTestBed } from './fixtures';

const bed = useTestBed();

const locator = (value: string, mode = 'list'): INodeParameterResourceLocator => ({ __rl: true, mode, value });

async function searchGroups(filter?: string, token?: string) {
	return await bed.engine.listSearch('searchGroups', { resource: 'sharedFile', operation: 'download' }, filter, token);
}

async function searchFiles(groupId: NodeParameterValueType, filter?: string, token?: string) {
	return await bed.engine.listSearch('searchFiles', { resource: 'sharedFile', operation: 'download', groupId }, filter, token);
}

function listRequests(operation: string) {
	return bed.emulator.requests.filter((request) => request.operation === operation);
}

describe('the node description', () => {
	const visibleFor = (resource: string, operation: string) =>
		bed.engine.nodeDescription.properties
			.filter((property: INodeProperties) => {
				const show = property.displayOptions?.show ?? {};
				return (!show.resource || show.resource.includes(resource)) && (!show.operation || show.operation.includes(operation));
			})
			.map((property: INodeProperties) => property.name);

	it.each([
		['announcement', 'get'],
		['announcement', 'update'],
		['sharedFile', 'getAll'],
		['sharedFile', 'upload'],
		['sharedFile', 'download'],
		['sharedFile', 'delete'],
	])('%s > %s shows Group (groupId) first after Operation', (resource, operation) => {
		const names = visibleFor(resource, operation);
		expect(names.slice(0, 3)).toEqual(['resource', 'operation', 'groupId']);
	});

	it('Group is a searchable list + ID locator, File a searchable list + ID + URL locator on Download and Delete', () => {
		const properties = bed.engine.nodeDescription.properties;
		const group = properties.find((property) => property.name === 'groupId');
		expect(group).toMatchObject({ displayName: 'Group', type: 'resourceLocator', default: { mode: 'list', value: '' } });
		expect(group?.modes?.map((mode) => mode.name)).toEqual(['list', 'id']);
		expect(group?.modes?.[0].typeOptions).toMatchObject({ searchListMethod: 'searchGroups', searchable: true });
		const file = properties.find((property) => property.name === 'fileId');
		expect(file).toMatchObject({ displayName: 'File', type: 'resourceLocator', displayOptions: { show: { operation: ['download', 'delete'] } } });
		expect(file?.modes?.map((mode) => mode.name)).toEqual(['list', 'id', 'url']);
		expect(file?.modes?.[0].typeOptions).toMatchObject({ searchListMethod: 'searchFiles', searchable: true });
		// One field for both: n8n evaluates a mapped File once per property of that name, for every item.
		expect(properties.filter((property) => property.name === 'fileId').flatMap((property) => property.displayOptions?.show?.operation)).toEqual(['download', 'delete']);
		expect(properties.filter((property) => property.name === 'fileId')).toHaveLength(1);
	});
});

describe('Group list', () => {
	beforeEach(() => {
		bed.emulator.reset();
		bed.emulator.createGroup(GROUP_ID, { groupName: 'Support team' });
		bed.emulator.createGroup('77', { groupName: 'Marketing 市场' });
		bed.emulator.createGroup('unnamed-group');
	});

	it('shows each group as its name with its ID, in one request', async () => {
		const result = await searchGroups();
		expect(result).toEqual({
			results: [
				{ name: `Support team (${GROUP_ID})`, value: GROUP_ID },
				{ name: 'Marketing 市场 (77)', value: '77' },
				{ name: 'unnamed-group', value: 'unnamed-group' },
			],
			paginationToken: undefined,
		});
		expect(listRequests('listGroups').map((request) => request.query)).toEqual([{ limit: '100' }]);
	});

	it('filters by what the user types, in the name or the ID, ignoring case', async () => {
		expect((await searchGroups('SUPPORT')).results.map((item) => item.value)).toEqual([GROUP_ID]);
		expect((await searchGroups('市场')).results.map((item) => item.value)).toEqual(['77']);
		expect((await searchGroups('6602183')).results.map((item) => item.value)).toEqual([GROUP_ID]);
		expect((await searchGroups('nothing like it')).results).toEqual([]);
	});

	it('pages past 100 groups with n8n\'s pagination token (the service\'s cursor): 100, 100, 50', async () => {
		bed.emulator.reset();
		bed.emulator.seedGroups(250);
		const pages = [];
		let token: string | undefined;
		do {
			const page = await searchGroups(undefined, token);
			pages.push(page.results);
			token = page.paginationToken;
		} while (token);
		expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
		const values = pages.flat().map((item) => item.value);
		expect(new Set(values).size).toBe(250);
		expect(values[249]).toBe('seed-group-00250');
		expect(pages[0][0]).toEqual({ name: 'Seed group 00001 (seed-group-00001)', value: 'seed-group-00001' });
		expect(listRequests('listGroups')).toHaveLength(3);
	});

	it('a search reads on past pages without a match, and finds a group beyond the first 100', async () => {
		bed.emulator.reset();
		bed.emulator.seedGroups(250);
		const result = await searchGroups('group 00240');
		expect(result.results).toEqual([{ name: 'Seed group 00240 (seed-group-00240)', value: 'seed-group-00240' }]);
		expect(result.paginationToken).toBeUndefined();
		expect(listRequests('listGroups')).toHaveLength(3);
	});

	it('an app without groups gives an empty list', async () => {
		bed.emulator.reset();
		expect(await searchGroups()).toEqual({ results: [], paginationToken: undefined });
	});

	it('a refused token is a clear message that says what to fix', async () => {
		bed.engine.useCredentials(appTokenCredentials(bed.emulator, 'expired-or-wrong'));
		await expect(searchGroups()).rejects.toThrow(/^Could not load the app's groups: .*Unable to authenticate.*Check the credential/s);
	});

	it('a service error (503, then still failing) is a clear message', async () => {
		bed.emulator.injectFault({ type: 'status', status: 503, operation: 'listGroups', times: 10 });
		await expect(searchGroups()).rejects.toThrow(/^Could not load the app's groups: .*The Agora Chat service is having trouble \(HTTP 503\)/s);
	});

	it('a wrong Org/App Name says so', async () => {
		bed.engine.useCredentials({ ...appTokenCredentials(bed.emulator), appName: 'no-such-app' });
		await expect(searchGroups()).rejects.toThrow(/Could not load the app's groups: .*Org Name or App Name in the credential is wrong/s);
	});
});

describe('File list', () => {
	const HOUR = 60 * 60 * 1000;

	beforeEach(() => {
		const now = bed.emulator.now();
		bed.emulator.addFile(GROUP_ID, { fileName: 'old report.pdf', bytes: Buffer.alloc(2048), created: Date.UTC(2026, 10, 28, 9, 5) });
		bed.emulator.addFile(GROUP_ID, { fileName: 'notes.txt', bytes: Buffer.from('hello'), created: now - HOUR });
		bed.emulator.addFile(GROUP_ID, { fileName: 'Photo 报告.jpg', bytes: Buffer.alloc(3 * 1024 * 1024 + 1), created: now });
	});

	it('shows the chosen group\'s files newest first, as "name · size · date"', async () => {
		const result = await searchFiles(locator(GROUP_ID));
		const names = result.results.map((item) => item.name);
		expect(names).toHaveLength(3);
		expect(names[0]).toMatch(/^Photo 报告\.jpg · 3\.0 MB · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
		expect(names[1]).toMatch(/^notes\.txt · 5 B · /);
		expect(names[2]).toBe('old report.pdf · 2.0 KB · 2026-11-28 09:05 UTC');
		const files = bed.emulator.listFiles(GROUP_ID);
		expect(result.results.map((item) => item.value)).toEqual(files.map((file) => file.fileId));
		expect(result.paginationToken).toBeUndefined();
	});

	it('filters by name, ignoring case', async () => {
		expect((await searchFiles(locator(GROUP_ID), 'REPORT')).results.map((item) => item.name)).toEqual(['old report.pdf · 2.0 KB · 2026-11-28 09:05 UTC']);
		expect((await searchFiles(locator(GROUP_ID), '报告')).results).toHaveLength(1);
		expect((await searchFiles(locator(GROUP_ID), 'zzz')).results).toEqual([]);
	});

	it('lists the files of a group given by ID, or as the plain string of an older workflow', async () => {
		expect((await searchFiles(locator(GROUP_ID, 'id'))).results).toHaveLength(3);
		expect((await searchFiles(GROUP_ID)).results).toHaveLength(3);
	});

	it('pages 250 files 100 at a time with the pagination token', async () => {
		bed.emulator.seedFiles(GROUP_ID, 247);
		const sizes = [];
		let token: string | undefined;
		do {
			const page = await searchFiles(locator(GROUP_ID), undefined, token);
			sizes.push(page.results.length);
			token = page.paginationToken;
		} while (token);
		expect(sizes).toEqual([100, 100, 50]);
	});

	it('opening the list reads it anew (a file uploaded a moment ago shows); typing and scrolling reuse that read', async () => {
		expect((await searchFiles(locator(GROUP_ID))).results).toHaveLength(3);
		bed.emulator.addFile(GROUP_ID, { fileName: 'just uploaded.txt', bytes: Buffer.from('new') });
		const reopened = await searchFiles(locator(GROUP_ID));
		expect(reopened.results[0].name).toMatch(/^just uploaded\.txt · 3 B · /);
		expect((await searchFiles(locator(GROUP_ID), 'o')).results).toHaveLength(4);
		expect((await searchFiles(locator(GROUP_ID), 'no')).results).toHaveLength(1);
		expect(listRequests('listFiles')).toHaveLength(2);
	});

	it('asks for a Group first, and names a group that does not exist', async () => {
		await expect(searchFiles(locator(''))).rejects.toThrow('Choose a Group first: the list shows the files of that group');
		await expect(searchFiles(locator('404404'))).rejects.toThrow(/Could not load the files of group "404404": grpID 404404 does not exist!.*Group "404404" does not exist in this app/s);
		expect(listRequests('listFiles')).toHaveLength(1);
	});
});

describe('File by URL, ID and list value', () => {
	const sharedFile = (operation: string, fileId: NodeParameterValueType, groupId: NodeParameterValueType = locator(GROUP_ID)) => ({ resource: 'sharedFile', operation, groupId, fileId });
	let fileId: string;
	let fileUrl: string;

	beforeEach(() => {
		bed.emulator.createGroup('other-group');
		fileId = bed.emulator.addFile(GROUP_ID, { fileName: 'plan.txt', bytes: Buffer.from('the plan'), contentType: 'text/plain' }).fileId;
		fileUrl = `${bed.emulator.url}/demo-org/demo-app/chatgroups/${GROUP_ID}/share_files/${fileId}`;
	});

	it('Download by the file_url that Upload returns fetches that file, with its name', async () => {
		const upload = await bed.engine.run(
			{ resource: 'sharedFile', operation: 'upload', groupId: locator(GROUP_ID) },
			{ items: [{ json: {}, binary: { data: { data: Buffer.from('uploaded').toString('base64'), fileName: 'up.txt', mimeType: 'text/plain' } } }] },
		);
		expect(upload.error).toBeUndefined();
		const uploadedUrl = String(upload.items[0].json.file_url);
		const { items, error } = await bed.engine.run(sharedFile('download', locator(uploadedUrl, 'url')));
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ groupId: GROUP_ID, fileId: upload.items[0].json.file_id, fileName: 'up.txt' });
		expect(Buffer.from(items[0].binary!.data.data, 'base64').toString()).toBe('uploaded');
	});

	it('Delete by URL deletes that file; a URL in the app-id form works too', async () => {
		const appIdUrl = `https://a41.chat.agora.io/app-id/0123456789abcdef0123456789abcdef/chatgroups/${GROUP_ID}/share_files/${fileId}`;
		const { items, error } = await bed.engine.run(sharedFile('delete', locator(appIdUrl, 'url')));
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ group_id: GROUP_ID, file_id: fileId, result: true });
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
		expect(bed.emulator.requests.at(-1)?.rawPath).toBe(`/demo-org/demo-app/chatgroups/${GROUP_ID}/share_files/${fileId}`);
	});

	it('refuses a URL of another group with a clear error, before sending anything', async () => {
		const otherUrl = `${bed.emulator.url}/demo-org/demo-app/chatgroups/other-group/share_files/${fileId}`;
		const { error } = await bed.engine.run(sharedFile('download', locator(otherUrl, 'url')));
		expect(error?.message).toBe(`The File URL belongs to group "other-group", not to the chosen group "${GROUP_ID}"`);
		expect(error?.description).toBe(`Choose group "other-group" as the Group, or pick a file of group "${GROUP_ID}" from the File list.`);
		expect(bed.emulator.requests).toEqual([]);
	});

	it('refuses a URL that is not a shared file URL: n8n by the mode\'s rule, the node when it is mapped', async () => {
		const typed = await bed.engine.run(sharedFile('delete', locator('https://example.com/somewhere', 'url')));
		expect(typed.error?.message).toBe("The 'Agora Chat Group' node has issues:\n- Not a shared file URL: it ends in /chatgroups/{group ID}/share_files/{file ID}");
		const mapped = await bed.engine.run(sharedFile('delete', locator('={{ $json.link }}', 'url')), { items: [{ json: { link: 'https://example.com/somewhere' } }] });
		expect(mapped.error?.message).toBe('The File URL "https://example.com/somewhere" is not a shared file URL');
		expect(mapped.error?.description).toMatch(/^Paste the file_url that Upload returns/);
		expect(bed.emulator.requests).toEqual([]);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(1);
	});

	it('a file picked from the list, an ID, a file_url mapped into an older workflow\'s plain field all download the same file', async () => {
		for (const value of [locator(fileId), locator(fileId, 'id'), fileId, fileUrl, `={{ "${fileUrl}" }}`]) {
			const { items, error } = await bed.engine.run(sharedFile('download', value, GROUP_ID));
			expect(error).toBeUndefined();
			expect(items[0].json).toMatchObject({ groupId: GROUP_ID, fileId, fileName: 'plan.txt' });
		}
		expect(bed.emulator.requests.filter((request) => request.operation === 'downloadFile').map((request) => request.fileId)).toEqual(Array(5).fill(fileId));
	});

	it('ids with any character travel as one path segment in every mode', async () => {
		bed.emulator.createGroup('a/b c');
		const odd = bed.emulator.addFile('a/b c', { fileName: 'x.txt', bytes: Buffer.from('x') }).fileId;
		const url = `${bed.emulator.url}/demo-org/demo-app/chatgroups/${encodeURIComponent('a/b c')}/share_files/${odd}`;
		const { error } = await bed.engine.run(sharedFile('download', locator(url, 'url'), locator('a/b c', 'id')));
		expect(error).toBeUndefined();
		expect(bed.emulator.requests.at(-1)?.rawPath).toBe(`/demo-org/demo-app/chatgroups/a%2Fb%20c/share_files/${odd}`);
	});
});

describe('Group by list value, ID, and plain string', () => {
	it('every form addresses the same group', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'hi');
		for (const groupId of [locator(GROUP_ID), locator(GROUP_ID, 'id'), GROUP_ID, `={{ "${GROUP_ID}" }}`, locator(`={{ "${GROUP_ID}" }}`, 'id')]) {
			const { items, error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId });
			expect(error).toBeUndefined();
			expect(items[0].json).toEqual({ groupId: GROUP_ID, announcement: 'hi' });
		}
		expect(bed.emulator.requests.map((request) => request.groupId)).toEqual(Array(5).fill(GROUP_ID));
	});
});
