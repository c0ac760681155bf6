/** Every operation, run by n8n's engine against the emulator over loopback. */
import { binaryItem, bytesOf, GROUP_ID, MB, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed();

const announcement = (operation: string, extra: Record<string, unknown> = {}) => ({
	resource: 'announcement',
	operation,
	groupId: GROUP_ID,
	...extra,
});
const sharedFile = (operation: string, extra: Record<string, unknown> = {}) => ({
	resource: 'sharedFile',
	operation,
	groupId: GROUP_ID,
	...extra,
});

describe('Announcement', () => {
	it('Get returns the group and its announcement, with the headers the service expects', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Stand-up at 9:30');
		const { items, error } = await bed.engine.run(announcement('get'));
		expect(error).toBeUndefined();
		expect(items).toEqual([{ json: { groupId: GROUP_ID, announcement: 'Stand-up at 9:30' }, pairedItem: { item: 0 } }]);
		const [request] = bed.emulator.requests;
		expect(request).toMatchObject({ operation: 'getAnnouncement', method: 'GET', rawPath: `/demo-org/demo-app/chatgroups/${GROUP_ID}/announcement` });
		expect(request.headers.authorization).toBe('Bearer emulator-app-token');
		expect(request.headers.accept).toBe('application/json');
	});

	it('Update replaces the text of each item\'s group, sent as JSON, paired with its input', async () => {
		bed.emulator.createGroup('2');
		const texts = ['Monday: release 🚀', 'Tuesday: "retro"; bring notes'];
		const { items, error } = await bed.engine.run(announcement('update', { groupId: '={{ $json.group }}', announcement: '={{ $json.text }}' }), {
			items: [
				{ json: { group: GROUP_ID, text: texts[0] } },
				{ json: { group: '2', text: texts[1] } },
			],
		});
		expect(error).toBeUndefined();
		expect(items).toEqual([
			{ json: { groupId: GROUP_ID, result: true }, pairedItem: { item: 0 } },
			{ json: { groupId: '2', result: true }, pairedItem: { item: 1 } },
		]);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe(texts[0]);
		expect(bed.emulator.getAnnouncement('2')).toBe(texts[1]);
		const updates = bed.emulator.requests.filter((request) => request.operation === 'updateAnnouncement');
		expect(updates).toHaveLength(2);
		expect(updates[0].headers['content-type']).toMatch(/^application\/json/);
	});

	it('Update with an empty text clears the announcement', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'old');
		const { error } = await bed.engine.run(announcement('update', { announcement: '' }));
		expect(error).toBeUndefined();
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('');
	});

	it('accepts exactly 512 characters', async () => {
		const { error } = await bed.engine.run(announcement('update', { announcement: 'x'.repeat(512) }));
		expect(error).toBeUndefined();
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toHaveLength(512);
	});
});

describe('Shared File: Get Many', () => {
	it('Limit asks for no more than needed, in one request', async () => {
		bed.emulator.seedFiles(GROUP_ID, 30);
		const { items, error } = await bed.engine.run(sharedFile('getAll', { returnAll: false, limit: 5 }));
		expect(error).toBeUndefined();
		expect(items).toHaveLength(5);
		expect(Object.keys(items[0].json).sort()).toEqual(['created', 'file_id', 'file_name', 'file_owner', 'file_size']);
		expect(items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		const lists = bed.emulator.requests.filter((request) => request.operation === 'listFiles');
		expect(lists.map((request) => request.query)).toEqual([{ pagenum: '1', pagesize: '5' }]);
	});

	it('Return All over 2,500 files takes exactly 3 requests of 1,000, newest first, none twice', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		const { items, error } = await bed.engine.run(sharedFile('getAll', { returnAll: true }));
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2500);
		expect(new Set(items.map((item) => item.json.file_id)).size).toBe(2500);
		const expectedOrder = bed.emulator.listFiles(GROUP_ID).map((file) => file.fileId);
		expect(items.map((item) => item.json.file_id)).toEqual(expectedOrder);
		const lists = bed.emulator.requests.filter((request) => request.operation === 'listFiles');
		expect(lists.map((request) => request.query)).toEqual([
			{ pagenum: '1', pagesize: '1000' },
			{ pagenum: '2', pagesize: '1000' },
			{ pagenum: '3', pagesize: '1000' },
		]);
	});

	it('Limit 1,500 takes two pages of 750, not 2,000 files', async () => {
		bed.emulator.seedFiles(GROUP_ID, 2500);
		const { items } = await bed.engine.run(sharedFile('getAll', { returnAll: false, limit: 1500 }));
		expect(items).toHaveLength(1500);
		const lists = bed.emulator.requests.filter((request) => request.operation === 'listFiles');
		expect(lists.map((request) => request.query)).toEqual([
			{ pagenum: '1', pagesize: '750' },
			{ pagenum: '2', pagesize: '750' },
		]);
	});

	it('an empty group gives no items after one request', async () => {
		const { items, error } = await bed.engine.run(sharedFile('getAll', { returnAll: true }));
		expect(error).toBeUndefined();
		expect(items).toEqual([]);
		expect(bed.emulator.requests).toHaveLength(1);
	});
});

describe('Shared File: Upload', () => {
	it.each([
		['1 byte', 1],
		['300 KB', 300 * 1024],
		['exactly 10 MB', 10 * MB],
	])('stores %s byte for byte, as multipart with the part "file"', async (_label, size) => {
		const content = sampleBytes(size);
		const { items, error } = await bed.engine.run(sharedFile('upload', { binaryPropertyName: 'data' }), {
			items: [binaryItem(content, 'payload.bin')],
		});
		expect(error).toBeUndefined();
		const [stored] = bed.emulator.listFiles(GROUP_ID);
		expect(stored.fileSize).toBe(size);
		expect(sha256(stored.bytes)).toBe(sha256(content));
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ file_id: stored.fileId, file_name: 'payload.bin', file_size: size, group_id: GROUP_ID });
		expect(Object.keys(items[0].json).sort()).toEqual(['created', 'file_id', 'file_name', 'file_size', 'file_url', 'group_id']);
		const request = bed.emulator.requests.find((entry) => entry.operation === 'uploadFile')!;
		expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
		expect(request.multipart).toMatchObject({ fieldName: 'file', fileName: 'payload.bin', contentType: 'application/octet-stream', size });
	});

	it.each(['报告 2026.pdf', 'quote "q" and semi;colon.txt', 'back\\slash.csv', 'naïve résumé.docx'])(
		'keeps the file name %s',
		async (fileName) => {
			const { items, error } = await bed.engine.run(sharedFile('upload'), { items: [binaryItem(Buffer.from('x'), fileName, 'text/plain')] });
			expect(error).toBeUndefined();
			expect(bed.emulator.listFiles(GROUP_ID)[0].fileName).toBe(fileName);
			expect(items[0].json.file_name).toBe(fileName);
		},
	);

	it('File Name option overrides the binary\'s name; the type comes from the binary', async () => {
		await bed.engine.run(sharedFile('upload', { options: { fileName: 'renamed.pdf' } }), {
			items: [binaryItem(Buffer.from('%PDF-1.7'), 'original.pdf', 'application/pdf')],
		});
		expect(bed.emulator.listFiles(GROUP_ID)[0]).toMatchObject({ fileName: 'renamed.pdf', contentType: 'application/pdf' });
	});

	it('reads another binary field, and uploads one file per item, each paired', async () => {
		const items = [0, 1, 2].map((index) => ({
			json: { index },
			binary: { attachment: { data: Buffer.from(`file ${index}`).toString('base64'), fileName: `f${index}.txt`, mimeType: 'text/plain' } },
		}));
		const run = await bed.engine.run(sharedFile('upload', { binaryPropertyName: 'attachment' }), { items });
		expect(run.error).toBeUndefined();
		expect(run.items.map((item) => [item.json.file_name, item.pairedItem])).toEqual([
			['f0.txt', { item: 0 }],
			['f1.txt', { item: 1 }],
			['f2.txt', { item: 2 }],
		]);
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(3);
	});
});

describe('Shared File: Download', () => {
	it.each([
		['1 byte', 1],
		['300 KB', 300 * 1024],
		['exactly 10 MB', 10 * MB],
	])('returns %s byte for byte as binary, never parsed', async (_label, size) => {
		const content = sampleBytes(size);
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'data.bin', bytes: content, contentType: 'application/octet-stream' });
		const { items, error } = await bed.engine.run(sharedFile('download', { fileId: stored.fileId }));
		expect(error).toBeUndefined();
		expect(sha256(bytesOf(items[0]))).toBe(sha256(content));
		expect(items[0].json).toEqual({ groupId: GROUP_ID, fileId: stored.fileId, fileName: 'data.bin', mimeType: 'application/octet-stream', fileSize: size });
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(bed.emulator.requests[0].headers.accept).toBe('application/octet-stream');
	});

	it('a JSON file is a file: its bytes are kept as they are', async () => {
		const content = Buffer.from('{"action":"x","not":"an envelope"}\n');
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'config.json', bytes: content, contentType: 'application/json' });
		const { items, error } = await bed.engine.run(sharedFile('download', { fileId: stored.fileId, binaryPropertyName: 'file' }));
		expect(error).toBeUndefined();
		expect(bytesOf(items[0], 'file').equals(content)).toBe(true);
		expect(items[0].binary?.file).toMatchObject({ fileName: 'config.json', mimeType: 'application/json', fileExtension: 'json' });
	});

	it.each([
		['full', 'application/pdf'],
		['filenameOnly', 'application/pdf'],
		['filenameStarOnly', 'application/pdf'],
		['none', 'application/pdf'],
	] as const)('names the file with download headers "%s"', async (downloadHeaders, mimeType) => {
		bed.emulator.configure({ downloadHeaders });
		const fileName = downloadHeaders === 'filenameOnly' ? 'report 2026.pdf' : '报告 2026.pdf';
		const stored = bed.emulator.addFile(GROUP_ID, { fileName, bytes: Buffer.from('%PDF-1.7 body'), contentType: 'application/pdf' });
		const { items, error } = await bed.engine.run(sharedFile('download', { fileId: stored.fileId }));
		expect(error).toBeUndefined();
		expect(items[0].binary?.data).toMatchObject({ fileName, mimeType, fileExtension: 'pdf' });
		expect(items[0].json).toMatchObject({ fileName, mimeType });
		const lookups = bed.emulator.requests.filter((request) => request.operation === 'listFiles');
		expect(lookups).toHaveLength(downloadHeaders === 'none' ? 1 : 0);
	});
});

describe('Shared File: Delete', () => {
	it('deletes the file and returns the service\'s answer', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'old.txt', bytes: Buffer.from('old') });
		const { items, error } = await bed.engine.run(sharedFile('delete', { fileId: stored.fileId }));
		expect(error).toBeUndefined();
		expect(items).toEqual([{ json: { group_id: GROUP_ID, file_id: stored.fileId, result: true }, pairedItem: { item: 0 } }]);
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
		expect(bed.emulator.requests[0]).toMatchObject({ method: 'DELETE', operation: 'deleteFile' });
	});
});

describe('path parameters', () => {
	it('send a group id and a file id with / ? # as single encoded path segments', async () => {
		const groupId = 'a/b?c#d';
		bed.emulator.createGroup(groupId);
		const stored = bed.emulator.addFile(groupId, { fileName: 'x.txt', bytes: Buffer.from('x') });
		const get = await bed.engine.run(announcement('get', { groupId }));
		expect(get.error).toBeUndefined();
		expect(get.items[0].json.groupId).toBe(groupId);
		const download = await bed.engine.run(sharedFile('download', { groupId, fileId: stored.fileId }));
		expect(download.error).toBeUndefined();
		expect(bed.emulator.requests.map((request) => request.rawPath)).toEqual([
			'/demo-org/demo-app/chatgroups/a%2Fb%3Fc%23d/announcement',
			`/demo-org/demo-app/chatgroups/a%2Fb%3Fc%23d/share_files/${stored.fileId}`,
		]);
		expect(bed.emulator.requests[0].groupId).toBe(groupId);
	});
});
