/** The Agora Chat emulator itself, exercised over loopback HTTP with axios. */
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from 'axios';
import { ChatTokenBuilder } from 'agora-token';
import { createHash, randomBytes } from 'crypto';
import { sleep } from 'n8n-workflow';

import { SlidingWindowRateLimiter, TokenBucketRateLimiter } from './rate-limit';
import { AgoraChatEmulator, DEFAULT_APP_TOKEN, type EmulatorConfig, type EmulatorState } from './server';

const ORG = 'demo-org';
const APP = 'demo-app';
const GROUP = 'group-1';
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const AUTH = { Authorization: `Bearer ${DEFAULT_APP_TOKEN}` };

const http = axios.create({
	validateStatus: () => true,
	maxBodyLength: Infinity,
	maxContentLength: Infinity,
});

let emulator: AgoraChatEmulator;
let initialConfig: EmulatorConfig;

beforeAll(async () => {
	emulator = await AgoraChatEmulator.start();
	initialConfig = { ...emulator.config };
});

afterAll(async () => {
	await emulator.stop();
});

beforeEach(() => {
	emulator.reset();
	emulator.configure({ ...initialConfig, appId: undefined, appCertificate: undefined, publicUrl: undefined });
	emulator.createGroup(GROUP, { announcement: 'hello' });
});

function groupUrl(groupPath: string = GROUP, org = ORG, app = APP): string {
	return `${emulator.url}/${org}/${app}/chatgroups/${groupPath}`;
}

function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function expectAgoraError(response: AxiosResponse, status: number, error: string, description?: string | RegExp): void {
	expect(response.status).toBe(status);
	expect(response.headers['content-type']).toBe('application/json');
	const raw: unknown = response.data;
	const body: unknown =
		Buffer.isBuffer(raw) || raw instanceof ArrayBuffer
			? JSON.parse(Buffer.from(raw as Buffer).toString('utf8'))
			: typeof raw === 'string'
				? JSON.parse(raw)
				: raw;
	expect(body).toEqual({
		error,
		exception: expect.any(String),
		timestamp: expect.any(Number),
		duration: 0,
		error_description:
			description === undefined
				? expect.any(String)
				: typeof description === 'string'
					? description
					: expect.stringMatching(description),
	});
}

/** WHATWG form encoding of a filename, as browsers and undici's FormData send it. */
function whatwgFileName(name: string): string {
	return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

interface Part {
	name: string;
	/** Written as is (already encoded) into the part's Content-Disposition. */
	rawFileName?: string;
	contentType?: string;
	content: Buffer;
}

function multipart(parts: Part[]): { body: Buffer; headers: RawAxiosRequestHeaders } {
	const boundary = `----emulator-test-${randomBytes(8).toString('hex')}`;
	const chunks: Buffer[] = [];
	for (const part of parts) {
		let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
		if (part.rawFileName !== undefined) head += `; filename="${part.rawFileName}"`;
		head += '\r\n';
		if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
		chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), part.content, Buffer.from('\r\n'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(chunks), headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(
	fileName: string,
	content: Buffer,
	options: { contentType?: string; groupPath?: string; headers?: RawAxiosRequestHeaders } = {},
): Promise<AxiosResponse> {
	const form = multipart([
		{ name: 'file', rawFileName: whatwgFileName(fileName), contentType: options.contentType, content },
	]);
	return await http.post(`${groupUrl(options.groupPath)}/share_files`, form.body, {
		headers: { ...AUTH, ...form.headers, ...options.headers },
	});
}

async function download(groupPath: string, fileId: string): Promise<AxiosResponse<Buffer>> {
	return await http.get<Buffer>(`${groupUrl(groupPath)}/share_files/${fileId}`, {
		headers: AUTH,
		responseType: 'arraybuffer',
	});
}

function isConnectionFailure(error: { code?: string; message: string }): boolean {
	return error.code === 'ECONNRESET' || /socket hang up|aborted/i.test(error.message);
}

describe('envelope and announcement', () => {
	it('answers GET announcement with the full envelope', async () => {
		const response = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/json');
		expect(response.data).toEqual({
			action: 'get',
			application: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
			uri: `${emulator.url}/${ORG}/${APP}/chatgroups/${GROUP}/announcement`,
			entities: [],
			data: { announcement: 'hello' },
			timestamp: expect.any(Number),
			duration: 0,
			organization: ORG,
			applicationName: APP,
		});
		expect(Math.abs(response.data.timestamp - Date.now())).toBeLessThan(5000);
	});

	it('keeps the application id stable for an app', async () => {
		const first = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		const second = await http.get(`${groupUrl()}/share_files`, { headers: AUTH });
		expect(second.data.application).toBe(first.data.application);
	});

	it('updates the announcement and answers {id, result}', async () => {
		const response = await http.post(`${groupUrl()}/announcement`, { announcement: 'new text' }, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.data.action).toBe('post');
		expect(response.data.data).toEqual({ id: GROUP, result: true });
		expect(emulator.getAnnouncement(GROUP)).toBe('new text');
	});

	it('accepts 512 characters and refuses 513 with 403 forbidden_op', async () => {
		const ok = await http.post(`${groupUrl()}/announcement`, { announcement: 'a'.repeat(512) }, { headers: AUTH });
		expect(ok.status).toBe(200);
		const tooLong = await http.post(`${groupUrl()}/announcement`, { announcement: 'b'.repeat(513) }, { headers: AUTH });
		expectAgoraError(tooLong, 403, 'forbidden_op', 'announce info length exceeds limit!');
		expect(emulator.getAnnouncement(GROUP)).toBe('a'.repeat(512));
	});

	it('counts UTF-16 code units, as the Java service does', async () => {
		const chinese = await http.post(`${groupUrl()}/announcement`, { announcement: '公'.repeat(512) }, { headers: AUTH });
		expect(chinese.status).toBe(200);
		// 511 + one emoji = 512 code points but 513 UTF-16 units.
		const emoji = await http.post(`${groupUrl()}/announcement`, { announcement: `${'a'.repeat(511)}😀` }, { headers: AUTH });
		expectAgoraError(emoji, 403, 'forbidden_op');
	});

	it('refuses a missing announcement with 400 "announcement is null"', async () => {
		for (const body of [{}, { announcement: null }, { other: 'x' }]) {
			const response = await http.post(`${groupUrl()}/announcement`, body, { headers: AUTH });
			expectAgoraError(response, 400, 'illegal_argument', 'announcement is null');
		}
	});

	it('refuses invalid JSON with 400 json_parse', async () => {
		// A Buffer, because axios would turn an invalid JSON string into a valid JSON string.
		const response = await http.post(`${groupUrl()}/announcement`, Buffer.from('{"announcement": '), {
			headers: { ...AUTH, 'Content-Type': 'application/json' },
		});
		expectAgoraError(response, 400, 'json_parse', /not valid JSON/);
	});

	it('clears the announcement with an empty string', async () => {
		const response = await http.post(`${groupUrl()}/announcement`, { announcement: '' }, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(emulator.getAnnouncement(GROUP)).toBe('');
		const read = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expect(read.data.data).toEqual({ announcement: '' });
	});
});

describe('application, auth and group checks', () => {
	it('answers a wrong org or app with 404 organization_application_not_found, before auth', async () => {
		const wrongOrg = await http.get(`${groupUrl(GROUP, 'other-org')}/announcement`);
		expectAgoraError(
			wrongOrg,
			404,
			'organization_application_not_found',
			`Could not find application for other-org/${APP} from path`,
		);
		const wrongApp = await http.get(`${groupUrl(GROUP, ORG, 'other-app')}/share_files`, { headers: AUTH });
		expectAgoraError(
			wrongApp,
			404,
			'organization_application_not_found',
			`Could not find application for ${ORG}/other-app from path`,
		);
	});

	it('refuses missing, malformed and unknown tokens with 401 auth_bad_access_token', async () => {
		const cases: RawAxiosRequestHeaders[] = [
			{},
			{ Authorization: 'Bearer nope' },
			{ Authorization: `Basic ${DEFAULT_APP_TOKEN}` },
			{ Authorization: 'Bearer 007garbage' },
		];
		for (const headers of cases) {
			const response = await http.get(`${groupUrl()}/announcement`, { headers });
			expectAgoraError(response, 401, 'auth_bad_access_token', 'Unable to authenticate due to corrupt access token');
		}
	});

	it('refuses an expired static token with 401 unauthorized, following the emulator clock', async () => {
		emulator.configure({ appTokens: [{ token: 'short-lived', expiresAt: emulator.now() + 60_000 }] });
		const headers = { Authorization: 'Bearer short-lived' };
		expect((await http.get(`${groupUrl()}/announcement`, { headers })).status).toBe(200);
		emulator.advanceClock(60_001);
		const expired = await http.get(`${groupUrl()}/announcement`, { headers });
		expectAgoraError(expired, 401, 'unauthorized', 'Unable to authenticate (OAuth)');
	});

	it('answers a missing group with 404 service_resource_not_found', async () => {
		const response = await http.get(`${groupUrl('missing-group')}/announcement`, { headers: AUTH });
		expectAgoraError(response, 404, 'service_resource_not_found', 'grpID missing-group does not exist!');
	});

	it('answers unknown routes and malformed paths with the error JSON', async () => {
		const unknown = await http.get(`${emulator.url}/${ORG}/${APP}/chatgroups/${GROUP}/members`, { headers: AUTH });
		expectAgoraError(unknown, 404, 'service_resource_not_found');
		const badEncoding = await http.get(`${groupUrl('%ZZ')}/announcement`, { headers: AUTH });
		expectAgoraError(badEncoding, 400, 'illegal_argument', /Malformed request path/);
	});

	it('sees an encoded slash as part of one group id segment', async () => {
		const groupId = 'a/b?c#d';
		emulator.createGroup(groupId, { announcement: 'odd id' });
		const encoded = encodeURIComponent(groupId);
		expect(encoded).toBe('a%2Fb%3Fc%23d');

		const response = await http.get(`${groupUrl(encoded)}/announcement`, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.data.data.announcement).toBe('odd id');
		const record = emulator.requests.at(-1);
		expect(record).toMatchObject({
			operation: 'getAnnouncement',
			rawPath: `/${ORG}/${APP}/chatgroups/a%2Fb%3Fc%23d/announcement`,
			path: `/${ORG}/${APP}/chatgroups/a/b?c#d/announcement`,
			groupId,
		});

		const uploaded = await upload('x.txt', Buffer.from('x'), { groupPath: encoded });
		expect(uploaded.status).toBe(200);
		expect(uploaded.data.data.group_id).toBe(groupId);
		expect(uploaded.data.data.file_url).toBe(`${groupUrl(encoded)}/share_files/${uploaded.data.data.file_id}`);
		const fetched = await http.get<Buffer>(uploaded.data.data.file_url, { headers: AUTH, responseType: 'arraybuffer' });
		expect(Buffer.from(fetched.data).toString()).toBe('x');
	});
});

describe('listing shared files', () => {
	it('pages 2,500 files as 1000/1000/500, newest first, without total or cursor', async () => {
		emulator.seedFiles(GROUP, 2500);
		const sizes: number[] = [];
		const ids = new Set<string>();
		let previousCreated = Infinity;
		for (let pageNumber = 1; pageNumber <= 4; pageNumber++) {
			const response = await http.get(`${groupUrl()}/share_files`, {
				headers: AUTH,
				params: { pagesize: 1000, pagenum: pageNumber },
			});
			expect(response.status).toBe(200);
			expect(response.data.params).toEqual({ pagesize: ['1000'], pagenum: [String(pageNumber)] });
			expect(Object.keys(response.data).sort()).toEqual(
				['action', 'application', 'applicationName', 'data', 'duration', 'entities', 'organization', 'params', 'timestamp', 'uri'],
			);
			sizes.push(response.data.data.length);
			for (const file of response.data.data) {
				expect(Object.keys(file).sort()).toEqual(['created', 'file_id', 'file_name', 'file_owner', 'file_size']);
				expect(file.created).toBeLessThanOrEqual(previousCreated);
				previousCreated = file.created;
				ids.add(file.file_id);
			}
		}
		expect(sizes).toEqual([1000, 1000, 500, 0]);
		expect(ids.size).toBe(2500);
	});

	it('puts the newest file first and breaks ties by upload order', async () => {
		const created = emulator.now() - 10_000;
		const older = emulator.addFile(GROUP, { fileName: 'older.txt', bytes: Buffer.from('1'), created: created - 1 });
		const first = emulator.addFile(GROUP, { fileName: 'first.txt', bytes: Buffer.from('2'), created });
		const second = emulator.addFile(GROUP, { fileName: 'second.txt', bytes: Buffer.from('3'), created });
		const response = await http.get(`${groupUrl()}/share_files`, { headers: AUTH });
		expect(response.data.data.map((file: { file_id: string }) => file.file_id)).toEqual([
			second.fileId,
			first.fileId,
			older.fileId,
		]);
		expect(emulator.listFiles(GROUP).map((file) => file.fileId)).toEqual([second.fileId, first.fileId, older.fileId]);
	});

	it('caps pagesize at 1000, defaults invalid values and echoes the query', async () => {
		emulator.seedFiles(GROUP, 1200);
		const capped = await http.get(`${groupUrl()}/share_files?pagesize=5000&pagenum=1`, { headers: AUTH });
		expect(capped.data.data).toHaveLength(1000);
		expect(capped.data.params).toEqual({ pagesize: ['5000'], pagenum: ['1'] });

		const noQuery = await http.get(`${groupUrl()}/share_files`, { headers: AUTH });
		expect(noQuery.data.data).toHaveLength(1000);
		expect(noQuery.data.params).toEqual({});

		const invalid = await http.get(`${groupUrl()}/share_files?pagesize=abc&pagenum=0`, { headers: AUTH });
		expect(invalid.data.data).toHaveLength(1000);
		expect(invalid.data.data[0].file_name).toBe('seed-01200.txt');

		const small = await http.get(`${groupUrl()}/share_files?pagesize=10&pagenum=2`, { headers: AUTH });
		expect(small.data.data.map((file: { file_name: string }) => file.file_name)[0]).toBe('seed-01190.txt');
		expect(small.data.params).toEqual({ pagesize: ['10'], pagenum: ['2'] });
	});

	it('seeds 10,000 files quickly and lists them in ten full pages', async () => {
		const startedAt = Date.now();
		emulator.seedFiles(GROUP, 10_000);
		expect(Date.now() - startedAt).toBeLessThan(3000);
		const last = await http.get(`${groupUrl()}/share_files?pagesize=1000&pagenum=10`, { headers: AUTH });
		expect(last.data.data).toHaveLength(1000);
		expect(last.data.data.at(-1).file_name).toBe('seed-00001.txt');
		const beyond = await http.get(`${groupUrl()}/share_files?pagesize=1000&pagenum=11`, { headers: AUTH });
		expect(beyond.data.data).toEqual([]);
	});

	it('drops files older than the retention period (7 days): list omits them, download says file_expired', async () => {
		const [file] = emulator.seedFiles(GROUP, 1);
		emulator.advanceClock(7 * 24 * 60 * 60 * 1000 + 1000);
		const listed = await http.get(`${groupUrl()}/share_files`, { headers: AUTH });
		expect(listed.data.data).toEqual([]);
		const fetched = await download(GROUP, file.fileId);
		expectAgoraError(fetched, 404, 'file_expired', new RegExp(file.fileId));
	});
});

describe('listing the app\'s groups', () => {
	const groupsUrl = (query = '') => `${emulator.url}/${ORG}/${APP}/chatgroups${query}`;

	it('answers the envelope with groupid, groupname, owner, affiliations, type, last_modified, count and no cursor at the end', async () => {
		emulator.createGroup('g-2', { groupName: 'Support 支持', owner: 'alice', members: 4 });
		const response = await http.get(groupsUrl('?limit=5'), { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.data).toEqual({
			action: 'get',
			application: expect.any(String),
			params: { limit: ['5'] },
			count: 2,
			uri: `${emulator.url}/${ORG}/${APP}/chatgroups`,
			entities: [],
			data: [
				{ owner: `${ORG}#${APP}_admin`, groupid: GROUP, affiliations: 1, type: 'group', last_modified: expect.stringMatching(/^\d{13}$/), groupname: GROUP },
				{ owner: `${ORG}#${APP}_alice`, groupid: 'g-2', affiliations: 4, type: 'group', last_modified: expect.stringMatching(/^\d{13}$/), groupname: 'Support 支持' },
			],
			timestamp: expect.any(Number),
			duration: 0,
			organization: ORG,
			applicationName: APP,
		});
	});

	it('pages 250 groups with limit 100 as 100/100/50, following the cursor, in creation order', async () => {
		emulator.reset();
		emulator.seedGroups(250);
		const seen: string[] = [];
		const counts: number[] = [];
		let cursor: string | undefined;
		do {
			const response = await http.get(groupsUrl(), { headers: AUTH, params: { limit: 100, ...(cursor ? { cursor } : {}) } });
			expect(response.status).toBe(200);
			counts.push(response.data.count);
			seen.push(...response.data.data.map((group: { groupid: string }) => group.groupid));
			cursor = response.data.cursor;
		} while (cursor);
		expect(counts).toEqual([100, 100, 50]);
		expect(seen).toEqual(Array.from({ length: 250 }, (_, index) => `seed-group-${String(index + 1).padStart(5, '0')}`));
	});

	it('defaults to 10 a page, caps limit at 100, and refuses a cursor it did not issue', async () => {
		emulator.seedGroups(150);
		expect((await http.get(groupsUrl(), { headers: AUTH })).data.count).toBe(10);
		expect((await http.get(groupsUrl('?limit=abc'), { headers: AUTH })).data.count).toBe(10);
		expect((await http.get(groupsUrl('?limit=1000'), { headers: AUTH })).data.count).toBe(100);
		expectAgoraError(await http.get(groupsUrl('?cursor=not-ours'), { headers: AUTH }), 400, 'illegal_argument', /cursor/);
	});

	it('answers an app without groups with an empty list, and checks app and token first', async () => {
		emulator.reset();
		const empty = await http.get(groupsUrl('?limit=100'), { headers: AUTH });
		expect(empty.data).toMatchObject({ data: [], count: 0 });
		expect(empty.data).not.toHaveProperty('cursor');
		expectAgoraError(await http.get(`${emulator.url}/${ORG}/other/chatgroups`, { headers: AUTH }), 404, 'organization_application_not_found');
		expectAgoraError(await http.get(groupsUrl(), { headers: { Authorization: 'Bearer nope' } }), 401, 'auth_bad_access_token');
		expect(emulator.requests.map((request) => request.operation)).toEqual(['listGroups', 'listGroups', 'listGroups']);
	});
});

describe('the app-id/{app_id} address form', () => {
	const appId = randomBytes(16).toString('hex');
	const appCertificate = randomBytes(16).toString('hex');
	const appIdUrl = (path: string, id = appId) => `${emulator.url}/app-id/${id}${path}`;

	beforeEach(() => emulator.configure({ appId, appCertificate }));

	it('serves every endpoint under /app-id/{App ID} with an AccessToken2 of that App ID', async () => {
		const auth = { Authorization: `Bearer ${ChatTokenBuilder.buildAppToken(appId, appCertificate, 600)}` };
		const announcement = await http.get(appIdUrl(`/chatgroups/${GROUP}/announcement`), { headers: auth });
		expect(announcement.status).toBe(200);
		expect(announcement.data).toMatchObject({ data: { announcement: 'hello' }, uri: appIdUrl(`/chatgroups/${GROUP}/announcement`) });
		expect((await http.post(appIdUrl(`/chatgroups/${GROUP}/announcement`), { announcement: 'via app id' }, { headers: auth })).status).toBe(200);
		expect(emulator.getAnnouncement(GROUP)).toBe('via app id');
		expect((await http.get(appIdUrl('/chatgroups?limit=10'), { headers: auth })).data.data[0].groupid).toBe(GROUP);

		const form = multipart([{ name: 'file', rawFileName: 'a.txt', content: Buffer.from('app id bytes') }]);
		const upload = await http.post(appIdUrl(`/chatgroups/${GROUP}/share_files`), form.body, { headers: { ...auth, ...form.headers } });
		expect(upload.status).toBe(200);
		expect(upload.data.data.file_url).toBe(appIdUrl(`/chatgroups/${GROUP}/share_files/${upload.data.data.file_id}`));
		const listed = await http.get(appIdUrl(`/chatgroups/${GROUP}/share_files`), { headers: auth });
		expect(listed.data.data.map((file: { file_name: string }) => file.file_name)).toEqual(['a.txt']);
		const download = await http.get(upload.data.data.file_url, { headers: auth, responseType: 'arraybuffer' });
		expect(Buffer.from(download.data).toString()).toBe('app id bytes');
		expect((await http.delete(upload.data.data.file_url, { headers: auth })).status).toBe(200);
		expect(emulator.listFiles(GROUP)).toEqual([]);
	});

	it('accepts the App ID in either letter case and counts both forms against one rate limit', async () => {
		expect((await http.get(appIdUrl(`/chatgroups/${GROUP}/announcement`, appId.toUpperCase()), { headers: AUTH })).status).toBe(200);
		emulator.reset();
		emulator.createGroup(GROUP);
		// Sent at once, so that a loaded machine cannot spread them over two windows.
		emulator.configure({ rateLimitPerSecond: 2 });
		const statuses = await Promise.all(
			[appIdUrl(`/chatgroups/${GROUP}/announcement`), `${groupUrl()}/announcement`, appIdUrl(`/chatgroups/${GROUP}/announcement`), `${groupUrl()}/announcement`].map(
				async (url) => (await http.get(url, { headers: AUTH })).status,
			),
		);
		expect(statuses.filter((status) => status === 200)).toHaveLength(2);
		expect(statuses.filter((status) => status === 429)).toHaveLength(2);
	});

	it('answers an unknown App ID, or any App ID when none is configured, with 404 organization_application_not_found', async () => {
		const other = randomBytes(16).toString('hex');
		expectAgoraError(await http.get(appIdUrl(`/chatgroups/${GROUP}/announcement`, other), { headers: AUTH }), 404, 'organization_application_not_found', new RegExp(other));
		emulator.configure({ appId: undefined, appCertificate: undefined });
		expectAgoraError(await http.get(appIdUrl(`/chatgroups/${GROUP}/announcement`), { headers: AUTH }), 404, 'organization_application_not_found');
	});
});

describe('uploading shared files', () => {
	it('stores the part named file and answers with the upload data', async () => {
		const content = randomBytes(1234);
		const response = await upload('photo.png', content, { contentType: 'image/png' });
		expect(response.status).toBe(200);
		expect(response.data).toMatchObject({
			action: 'post',
			uri: `${groupUrl()}/share_files`,
			entities: [],
			organization: ORG,
			applicationName: APP,
		});
		const data = response.data.data;
		expect(data).toEqual({
			file_url: `${groupUrl()}/share_files/${data.file_id}`,
			group_id: GROUP,
			file_name: 'photo.png',
			created: expect.any(Number),
			file_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
			file_size: 1234,
		});
		const [stored] = emulator.listFiles(GROUP);
		expect(stored).toMatchObject({
			fileId: data.file_id,
			fileName: 'photo.png',
			fileSize: 1234,
			contentType: 'image/png',
			owner: '@ppAdmin',
			created: data.created,
		});
		expect(stored.bytes.equals(content)).toBe(true);

		const listed = await http.get(`${groupUrl()}/share_files`, { headers: AUTH });
		expect(listed.data.data[0]).toEqual({
			file_id: data.file_id,
			file_name: 'photo.png',
			file_owner: '@ppAdmin',
			file_size: 1234,
			created: data.created,
		});
	});

	it('stores application/octet-stream when the part has no Content-Type', async () => {
		await upload('no-type.bin', Buffer.from('abc'));
		await upload('plain.txt', Buffer.from('abc'), { contentType: 'text/plain' });
		const types = Object.fromEntries(emulator.listFiles(GROUP).map((file) => [file.fileName, file.contentType]));
		expect(types).toEqual({ 'no-type.bin': 'application/octet-stream', 'plain.txt': 'text/plain' });
	});

	it('decodes WHATWG-encoded filenames: quotes, semicolons, CR/LF and UTF-8', async () => {
		const names = ['say "hi"; then.txt', '报告 2026.pdf', 'two\r\nlines.txt', 'not %41 decoded.txt'];
		for (const name of names) {
			const response = await upload(name, Buffer.from(name));
			expect(response.status).toBe(200);
			expect(response.data.data.file_name).toBe(name);
		}
		expect(emulator.listFiles(GROUP).map((file) => file.fileName).sort()).toEqual([...names].sort());
		expect(emulator.requests.at(-1)?.multipart).toEqual({
			fieldName: 'file',
			fileName: 'not %41 decoded.txt',
			contentType: 'application/octet-stream',
			size: Buffer.byteLength('not %41 decoded.txt'),
		});
	});

	it('accepts exactly 10,485,760 bytes and refuses one more with 413 JSON', async () => {
		const accepted = await upload('max.bin', Buffer.alloc(MAX_UPLOAD_BYTES, 7));
		expect(accepted.status).toBe(200);
		expect(accepted.data.data.file_size).toBe(MAX_UPLOAD_BYTES);

		const refused = await upload('too-big.bin', Buffer.alloc(MAX_UPLOAD_BYTES + 1, 7));
		expectAgoraError(refused, 413, 'file_too_large', 'file exceeding maximum limit');
		expect(emulator.listFiles(GROUP).map((file) => file.fileName)).toEqual(['max.bin']);
		expect(emulator.requests.at(-1)).toMatchObject({
			operation: 'uploadFile',
			status: 413,
			multipart: { fieldName: 'file', fileName: 'too-big.bin', size: MAX_UPLOAD_BYTES + 1 },
		});
	});

	it('refuses a body that is not multipart with 400 illegal_argument', async () => {
		const response = await http.post(`${groupUrl()}/share_files`, { file: 'x' }, { headers: AUTH });
		expectAgoraError(response, 400, 'illegal_argument', 'Current request is not a multipart request');
	});

	it('refuses multipart without a part named file with 400 illegal_argument', async () => {
		const form = multipart([
			{ name: 'files', rawFileName: 'a.txt', content: Buffer.from('a') },
			{ name: 'file', content: Buffer.from('a text field, not a file') },
		]);
		const response = await http.post(`${groupUrl()}/share_files`, form.body, { headers: { ...AUTH, ...form.headers } });
		expectAgoraError(response, 400, 'illegal_argument', "Required request part 'file' is not present");
		expect(emulator.listFiles(GROUP)).toEqual([]);
	});

	it('refuses malformed multipart with 400 illegal_argument', async () => {
		const noBoundary = await http.post(`${groupUrl()}/share_files`, 'whatever', {
			headers: { ...AUTH, 'Content-Type': 'multipart/form-data' },
		});
		expectAgoraError(noBoundary, 400, 'illegal_argument', /Failed to parse multipart/);
		const cutShort = await http.post(`${groupUrl()}/share_files`, '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc', {
			headers: { ...AUTH, 'Content-Type': 'multipart/form-data; boundary=xyz' },
		});
		expectAgoraError(cutShort, 400, 'illegal_argument', /Failed to parse multipart/);
	});

	it('refuses an upload beyond the files a group may hold with 403 exceed_limit', async () => {
		emulator.configure({ maxFilesPerGroup: 2 });
		emulator.seedFiles(GROUP, 2);
		const response = await upload('third.txt', Buffer.from('3'));
		expectAgoraError(response, 403, 'exceed_limit');
	});
});

describe('downloading and deleting shared files', () => {
	const fileName = '报告 "Q1"; 2026.pdf';
	const content = randomBytes(4096);

	it('sends the raw bytes with type, length and both filename forms', async () => {
		const file = emulator.addFile(GROUP, { fileName, bytes: content, contentType: 'application/pdf' });
		const response = await download(GROUP, file.fileId);
		expect(response.status).toBe(200);
		expect(Buffer.from(response.data).equals(content)).toBe(true);
		expect(response.headers['content-type']).toBe('application/pdf');
		expect(response.headers['content-length']).toBe('4096');
		expect(response.headers['content-disposition']).toBe(
			"attachment; filename=\"__ _Q1_; 2026.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22Q1%22%3B%202026.pdf",
		);
		expect(emulator.requests.at(-1)).toMatchObject({ operation: 'downloadFile', fileId: file.fileId, status: 200 });
	});

	it('sends only filename, only filename*, or no Content-Disposition as configured', async () => {
		const file = emulator.addFile(GROUP, { fileName, bytes: content, contentType: 'application/pdf' });

		emulator.configure({ downloadHeaders: 'filenameOnly' });
		const plain = await download(GROUP, file.fileId);
		expect(plain.headers['content-disposition']).toBe('attachment; filename="__ _Q1_; 2026.pdf"');
		expect(Buffer.from(plain.data).equals(content)).toBe(true);

		emulator.configure({ downloadHeaders: 'filenameStarOnly' });
		const extended = await download(GROUP, file.fileId);
		expect(extended.headers['content-disposition']).toBe(
			"attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22Q1%22%3B%202026.pdf",
		);
		expect(decodeURIComponent(extended.headers['content-disposition'].split("''")[1])).toBe(fileName);

		emulator.configure({ downloadHeaders: 'none' });
		const bare = await download(GROUP, file.fileId);
		expect(bare.headers['content-disposition']).toBeUndefined();
		expect(bare.headers['content-type']).toBe('application/octet-stream');
		expect(Buffer.from(bare.data).equals(content)).toBe(true);
	});

	it('returns exactly the bytes that were uploaded', async () => {
		const bytes = randomBytes(300_000);
		const uploaded = await upload('random.bin', bytes, { contentType: 'application/x-test' });
		const fetched = await download(GROUP, uploaded.data.data.file_id);
		expect(sha256(Buffer.from(fetched.data))).toBe(sha256(bytes));
		expect(fetched.headers['content-type']).toBe('application/x-test');
	});

	it('answers an unknown file with a JSON 404 naming it', async () => {
		const response = await http.get(`${groupUrl()}/share_files/no-such-file`, {
			headers: { ...AUTH, Accept: 'application/octet-stream' },
		});
		expectAgoraError(response, 404, 'storage_object_not_found', /no-such-file/);
	});

	it('deletes a file, after which it is gone', async () => {
		const file = emulator.addFile(GROUP, { fileName: 'bye.txt', bytes: Buffer.from('bye') });
		const response = await http.delete(`${groupUrl()}/share_files/${file.fileId}`, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.data.action).toBe('delete');
		expect(response.data.uri).toBe(`${groupUrl()}/share_files/${file.fileId}`);
		expect(response.data.data).toEqual({ group_id: GROUP, file_id: file.fileId, result: true });
		expect(emulator.listFiles(GROUP)).toEqual([]);

		expectAgoraError(await download(GROUP, file.fileId), 404, 'storage_object_not_found');
		const again = await http.delete(`${groupUrl()}/share_files/${file.fileId}`, { headers: AUTH });
		expectAgoraError(again, 404, 'storage_object_not_found', new RegExp(file.fileId));
	});
});

describe('deleting a group (the route a path with "." or ".." resolves to)', () => {
	it.each([
		['/{org}/{app}/chatgroups/{group}', () => groupUrl()],
		['with a trailing slash', () => `${groupUrl()}/`],
	])('%s deletes the group and all its files', async (_label, url) => {
		emulator.addFile(GROUP, { fileName: 'a.txt', bytes: Buffer.from('a') });
		const response = await http.delete(url(), { headers: AUTH });
		expect(response.status).toBe(200);
		expect(response.data.data).toEqual({ success: true, groupid: GROUP });
		expect(emulator.requests.at(-1)).toMatchObject({ operation: 'deleteGroup', groupId: GROUP, status: 200 });
		expect(() => emulator.listFiles(GROUP)).toThrow(/does not exist/);
		expectAgoraError(await http.delete(url(), { headers: AUTH }), 404, 'service_resource_not_found', `grpID ${GROUP} does not exist!`);
	});

	it('in the app-id/{app_id} form too', async () => {
		const appId = randomBytes(16).toString('hex');
		const appCertificate = randomBytes(16).toString('hex');
		emulator.configure({ appId, appCertificate });
		const token = ChatTokenBuilder.buildAppToken(appId, appCertificate, 600);
		const response = await http.delete(`${emulator.url}/app-id/${appId}/chatgroups/${GROUP}/`, { headers: { Authorization: `Bearer ${token}` } });
		expect(response.status).toBe(200);
		expect(emulator.state().groups.map((group) => group.groupId)).toEqual([]);
	});
});

describe('Agora AccessToken2 app tokens', () => {
	const appId = randomBytes(16).toString('hex');
	const appCertificate = randomBytes(16).toString('hex');

	beforeEach(() => emulator.configure({ appId, appCertificate }));

	async function announcementWith(token: string): Promise<AxiosResponse> {
		return await http.get(`${groupUrl()}/announcement`, { headers: { Authorization: `Bearer ${token}` } });
	}

	it('accepts a chat app token built by agora-token', async () => {
		const token = ChatTokenBuilder.buildAppToken(appId, appCertificate, 600);
		expect(token.startsWith('007')).toBe(true);
		expect((await announcementWith(token)).status).toBe(200);
	});

	it('refuses a token signed with another certificate, for another app id, or for a user', async () => {
		const otherCertificate = randomBytes(16).toString('hex');
		const otherAppId = randomBytes(16).toString('hex');
		const tokens = [
			ChatTokenBuilder.buildAppToken(appId, otherCertificate, 600),
			ChatTokenBuilder.buildAppToken(otherAppId, appCertificate, 600),
			ChatTokenBuilder.buildUserToken(appId, appCertificate, 'user-1', 600),
		];
		for (const token of tokens) {
			expectAgoraError(await announcementWith(token), 401, 'auth_bad_access_token');
		}
	});

	it('refuses a token once it expired on the emulator clock', async () => {
		const token = ChatTokenBuilder.buildAppToken(appId, appCertificate, 600);
		emulator.advanceClock(590_000);
		expect((await announcementWith(token)).status).toBe(200);
		emulator.advanceClock(12_000);
		expectAgoraError(await announcementWith(token), 401, 'unauthorized', 'Unable to authenticate (OAuth)');
	});

	it('caps a token at 24 hours whatever expire it was built with', async () => {
		const token = ChatTokenBuilder.buildAppToken(appId, appCertificate, 3 * 24 * 3600);
		emulator.advanceClock(23 * 3600 * 1000);
		expect((await announcementWith(token)).status).toBe(200);
		emulator.advanceClock(3600 * 1000 + 2000);
		expectAgoraError(await announcementWith(token), 401, 'unauthorized');
	});

	it('refuses AccessToken2 tokens when no App ID and certificate are configured', async () => {
		const token = ChatTokenBuilder.buildAppToken(appId, appCertificate, 600);
		emulator.configure({ appId: undefined, appCertificate: undefined });
		expectAgoraError(await announcementWith(token), 401, 'auth_bad_access_token');
	});
});

describe('token endpoint', () => {
	const tokenUrl = () => `${emulator.url}/${ORG}/${APP}/token`;
	const credentials = { grant_type: 'client_credentials', client_id: 'emulator-client-id', client_secret: 'emulator-client-secret' };

	it('issues a token without envelope that then authenticates', async () => {
		const response = await http.post(tokenUrl(), credentials);
		expect(response.status).toBe(200);
		expect(response.data).toEqual({
			access_token: expect.any(String),
			expires_in: 3600,
			application: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
		const used = await http.get(`${groupUrl()}/announcement`, {
			headers: { Authorization: `Bearer ${response.data.access_token}` },
		});
		expect(used.status).toBe(200);
		expect(used.data.application).toBe(response.data.application);
	});

	it('lets a token expire after its ttl and on expireIssuedTokens', async () => {
		const shortLived = await http.post(tokenUrl(), { ...credentials, ttl: 60 });
		expect(shortLived.data.expires_in).toBe(60);
		const headers = { Authorization: `Bearer ${shortLived.data.access_token}` };
		expect((await http.get(`${groupUrl()}/announcement`, { headers })).status).toBe(200);
		emulator.advanceClock(61_000);
		expectAgoraError(await http.get(`${groupUrl()}/announcement`, { headers }), 401, 'unauthorized');

		const fresh = await http.post(tokenUrl(), credentials);
		const freshHeaders = { Authorization: `Bearer ${fresh.data.access_token}` };
		expect((await http.get(`${groupUrl()}/announcement`, { headers: freshHeaders })).status).toBe(200);
		emulator.expireIssuedTokens();
		expectAgoraError(await http.get(`${groupUrl()}/announcement`, { headers: freshHeaders }), 401, 'unauthorized');
	});

	it('refuses wrong credentials with 401 invalid_grant and other grants with 400', async () => {
		const wrongSecret = await http.post(tokenUrl(), { ...credentials, client_secret: 'wrong' });
		expectAgoraError(wrongSecret, 401, 'invalid_grant', 'client_id or client_secret is invalid');
		const wrongId = await http.post(tokenUrl(), { ...credentials, client_id: 'wrong' });
		expectAgoraError(wrongId, 401, 'invalid_grant');
		const password = await http.post(tokenUrl(), { ...credentials, grant_type: 'password' });
		expectAgoraError(password, 400, 'unsupported_grant_type');
		const badTtl = await http.post(tokenUrl(), { ...credentials, ttl: -5 });
		expectAgoraError(badTtl, 400, 'illegal_argument');
		const wrongApp = await http.post(`${emulator.url}/${ORG}/other-app/token`, credentials);
		expectAgoraError(wrongApp, 404, 'organization_application_not_found');
	});
});

describe('faults', () => {
	it('answers an injected status with the error JSON and headers, then recovers', async () => {
		emulator.injectFault({
			type: 'status',
			status: 429,
			error: 'reach_limit',
			description: 'This request has reached api limit.',
			headers: { 'Retry-After': '2' },
		});
		const limited = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expectAgoraError(limited, 429, 'reach_limit', 'This request has reached api limit.');
		expect(limited.headers['retry-after']).toBe('2');
		expect((await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status).toBe(200);
	});

	it('answers resource_limited and HTML or empty 503 bodies', async () => {
		emulator.injectFault({
			type: 'status',
			status: 429,
			error: 'resource_limited',
			description: 'You have exceeded the limit of the community edition',
		});
		emulator.injectFault({ type: 'status', status: 503, body: '<html><body>Service Unavailable</body></html>' });
		emulator.injectFault({ type: 'status', status: 503, body: '' });

		const quota = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expectAgoraError(quota, 429, 'resource_limited', 'You have exceeded the limit of the community edition');
		const html = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expect(html.status).toBe(503);
		expect(html.headers['content-type']).toMatch(/^text\/html/);
		expect(html.data).toBe('<html><body>Service Unavailable</body></html>');
		const empty = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expect(empty.status).toBe(503);
		expect(empty.data).toBe('');
	});

	it('targets an operation and applies `times` times, in FIFO order', async () => {
		emulator.injectFault({ operation: 'listFiles', type: 'status', status: 500, times: 2 });
		emulator.injectFault({ operation: 'listFiles', type: 'status', status: 502 });
		expect((await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status).toBe(200);
		const statuses: number[] = [];
		for (let attempt = 0; attempt < 4; attempt++) {
			statuses.push((await http.get(`${groupUrl()}/share_files`, { headers: AUTH })).status);
		}
		expect(statuses).toEqual([500, 500, 502, 200]);
		expect(emulator.requests.map((record) => record.status)).toEqual([200, 500, 500, 502, 200]);
	});

	it('resets the connection before handling', async () => {
		emulator.injectFault({ type: 'reset', phase: 'beforeHandling' });
		const failure = await http
			.post(`${groupUrl()}/announcement`, { announcement: 'lost' }, { headers: AUTH })
			.then(() => undefined, (error: Error & { code?: string }) => error);
		expect(failure).toBeDefined();
		expect(isConnectionFailure(failure as Error & { code?: string })).toBe(true);
		expect(emulator.getAnnouncement(GROUP)).toBe('hello');
		expect(emulator.requests.at(-1)).toMatchObject({ operation: 'updateAnnouncement', status: 0 });
	});

	it('resets the connection after handling: the upload is stored although the client failed', async () => {
		emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'afterHandling' });
		const failure = await upload('uncertain.txt', Buffer.from('maybe')).then(
			() => undefined,
			(error: Error & { code?: string }) => error,
		);
		expect(failure).toBeDefined();
		expect(isConnectionFailure(failure as Error & { code?: string })).toBe(true);
		expect(emulator.listFiles(GROUP).map((file) => file.fileName)).toEqual(['uncertain.txt']);
		expect(emulator.requests.at(-1)).toMatchObject({ operation: 'uploadFile', status: 0 });
	});

	it('delays, then answers normally', async () => {
		emulator.injectFault({ type: 'delay', ms: 300 });
		const startedAt = Date.now();
		const response = await http.get(`${groupUrl()}/announcement`, { headers: AUTH });
		expect(response.status).toBe(200);
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
	});

	it('truncates a download: full Content-Length, half the body, closed connection', async () => {
		const content = randomBytes(200_000);
		const file = emulator.addFile(GROUP, { fileName: 'big.bin', bytes: content });
		emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
		const outcome = await download(GROUP, file.fileId).then(
			(response) => ({ received: Buffer.from(response.data).length }),
			(error: Error) => ({ error }),
		);
		if ('received' in outcome) expect(outcome.received).toBeLessThan(content.length);
		else expect(outcome.error).toBeInstanceOf(Error);
		expect(emulator.requests.at(-1)).toMatchObject({ operation: 'downloadFile', status: 200 });
		const complete = await download(GROUP, file.fileId);
		expect(Buffer.from(complete.data).equals(content)).toBe(true);
	});

	it('rejects malformed faults and clears queued ones', async () => {
		expect(() => emulator.injectFault({ type: 'status', status: 42 })).toThrow(/status/);
		expect(() => emulator.injectFault({ type: 'nope' } as never)).toThrow(/type/);
		expect(() => emulator.injectFault({ type: 'reset', operation: 'upload' as never })).toThrow(/operation/);
		emulator.injectFault({ type: 'status', status: 500 });
		emulator.clearFaults();
		expect((await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status).toBe(200);
	});
});

describe('rate limit', () => {
	it('answers 429 reach_limit beyond 100 requests per second', async () => {
		const responses = await Promise.all(
			Array.from({ length: 150 }, async () => await http.get(`${groupUrl()}/announcement`, { headers: AUTH })),
		);
		const limited = responses.filter((response) => response.status === 429);
		const ok = responses.filter((response) => response.status === 200);
		expect(ok.length + limited.length).toBe(150);
		expect(ok.length).toBeLessThanOrEqual(100);
		expect(limited.length).toBeGreaterThanOrEqual(50);
		expectAgoraError(limited[0], 429, 'reach_limit', 'This request has reached api limit.');
	});

	it('slides a one-second window and does not count refused requests', async () => {
		emulator.configure({ rateLimitPerSecond: 2 });
		const get = async () => (await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status;
		expect(await get()).toBe(200);
		await sleep(600);
		expect(await get()).toBe(200);
		expect(await get()).toBe(429);
		await sleep(500);
		// The first call has left the window; the refused one would still be in it if it counted.
		expect(await get()).toBe(200);
	});

	it('counts with a token bucket when switched to it: a full bucket\'s burst, then the refill, the window\'s default kept', async () => {
		expect(emulator.config.rateLimitMode).toBe('window');
		const config = (patch: object) => http.post(`${emulator.url}/_emulator/config`, patch);
		expect((await config({ rateLimitMode: 'tokenBucket', rateLimitPerSecond: 2 })).data).toMatchObject({ rateLimitMode: 'tokenBucket' });
		const get = async () => (await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status;
		const statuses = await Promise.all(Array.from({ length: 5 }, get));
		expect(statuses.filter((status) => status === 200)).toHaveLength(2);
		expectAgoraError(await http.get(`${groupUrl()}/announcement`, { headers: AUTH }), 429, 'reach_limit');
		await sleep(600); // half a second refills one token of two
		expect(await get()).toBe(200);
		expect((await config({ rateLimitMode: 'bucket' })).status).toBe(400);
	});

	it('bucket and window: the bucket takes a burst and then its refill rate; the window no more than N in any second', () => {
		const at = (limiter: { tryAcquire: (key: string, limit: number, now: number) => boolean }, times: number[]) => times.map((time) => limiter.tryAcquire('app', 4, time));
		// Four at once, then one every 250 ms: both accept the first four; the bucket refills one token
		// per 250 ms, while the window waits for the first four to leave it, one second later.
		const burstThenPace = [0, 0, 0, 0, 250, 500, 750, 1000, 1000];
		expect(at(new TokenBucketRateLimiter(), burstThenPace)).toEqual([true, true, true, true, true, true, true, true, false]);
		expect(at(new SlidingWindowRateLimiter(), burstThenPace)).toEqual([true, true, true, true, false, false, false, true, true]);
		// What the window accepts, the bucket accepts too: waves of N, one second apart.
		const waves = [0, 0, 0, 0, 1000, 1000, 1000, 1000, 2000];
		expect(at(new TokenBucketRateLimiter(), waves).every(Boolean)).toBe(true);
		expect(at(new SlidingWindowRateLimiter(), waves).every(Boolean)).toBe(true);
	});

	it('can be switched off', async () => {
		emulator.configure({ rateLimitPerSecond: 0 });
		const responses = await Promise.all(
			Array.from({ length: 150 }, async () => await http.get(`${groupUrl()}/announcement`, { headers: AUTH })),
		);
		expect(responses.every((response) => response.status === 200)).toBe(true);
	});
});

describe('request log', () => {
	it('records operation, paths, query, headers, body size and status', async () => {
		await http.get(`${groupUrl()}/share_files?pagesize=10&pagenum=2`, { headers: { ...AUTH, 'X-Trace': 'abc' } });
		await upload('log.txt', Buffer.from('12345'), { contentType: 'text/plain' });
		const [list, uploadRecord] = emulator.requests;
		expect(list).toEqual({
			operation: 'listFiles',
			method: 'GET',
			rawPath: `/${ORG}/${APP}/chatgroups/${GROUP}/share_files`,
			path: `/${ORG}/${APP}/chatgroups/${GROUP}/share_files`,
			groupId: GROUP,
			query: { pagesize: '10', pagenum: '2' },
			headers: expect.objectContaining({ authorization: `Bearer ${DEFAULT_APP_TOKEN}`, 'x-trace': 'abc' }),
			bodyBytes: 0,
			status: 200,
			receivedAt: expect.any(Number),
			answeredAt: expect.any(Number),
		});
		expect(list.answeredAt).toBeGreaterThanOrEqual(list.receivedAt);
		expect(uploadRecord).toMatchObject({
			operation: 'uploadFile',
			method: 'POST',
			status: 200,
			multipart: { fieldName: 'file', fileName: 'log.txt', contentType: 'text/plain', size: 5 },
		});
		expect(uploadRecord.bodyBytes).toBe(Number(uploadRecord.headers['content-length']));
		emulator.clearRequests();
		expect(emulator.requests).toEqual([]);
	});
});

describe('admin API', () => {
	const admin = (path: string) => `${emulator.url}/_emulator/${path}`;

	it('sets up state, reports it with sha256 and is not logged', async () => {
		expect((await http.post(admin('reset'))).status).toBe(200);
		const group = await http.post(admin('groups'), { groupId: 'g/2', announcement: 'from admin' });
		expect(group.data).toEqual({ groupId: 'g/2', announcement: 'from admin' });
		const content = Buffer.from('admin file content');
		const file = await http.post(admin('files'), {
			groupId: 'g/2',
			fileName: 'admin.txt',
			contentBase64: content.toString('base64'),
			contentType: 'text/plain',
		});
		expect(file.status).toBe(200);
		expect(file.data).toMatchObject({ fileName: 'admin.txt', fileSize: content.length, sha256: sha256(content) });
		expect((await http.post(admin('seed'), { groupId: 'g/2', count: 3 })).data).toEqual({ groupId: 'g/2', count: 3 });

		const state = (await http.get<EmulatorState>(admin('state'))).data;
		expect(state.groups).toEqual([
			{
				groupId: 'g/2',
				groupName: 'g/2',
				owner: 'admin',
				announcement: 'from admin',
				files: expect.arrayContaining([
					{
						fileId: file.data.fileId,
						fileName: 'admin.txt',
						fileSize: content.length,
						contentType: 'text/plain',
						owner: '@ppAdmin',
						created: expect.any(Number),
						sha256: sha256(content),
					},
				]),
			},
		]);
		expect(state.groups[0].files).toHaveLength(4);
		expect(state.url).toBe(emulator.url);

		const fetched = await download(encodeURIComponent('g/2'), file.data.fileId);
		expect(Buffer.from(fetched.data).equals(content)).toBe(true);
		const logged = (await http.get(admin('requests'))).data;
		expect(logged.map((record: { operation: string }) => record.operation)).toEqual(['downloadFile']);
		expect((await http.delete(admin('requests'))).status).toBe(200);
		expect(emulator.requests).toEqual([]);
	});

	it('queues faults, changes config, moves the clock and expires tokens', async () => {
		expect((await http.post(admin('faults'), { operation: 'getAnnouncement', type: 'status', status: 503 })).data).toEqual({
			pendingFaults: 1,
		});
		expect((await http.get(`${groupUrl()}/announcement`, { headers: AUTH })).status).toBe(503);

		const config = await http.post(admin('config'), { downloadHeaders: 'none', rateLimitPerSecond: 5 });
		expect(config.data).toMatchObject({ downloadHeaders: 'none', rateLimitPerSecond: 5 });
		expect(emulator.config.downloadHeaders).toBe('none');

		const clock = await http.post(admin('clock'), { advanceMs: 5000 });
		expect(clock.data.clockOffsetMs).toBe(5000);

		const issued = await http.post(`${emulator.url}/${ORG}/${APP}/token`, {
			grant_type: 'client_credentials',
			client_id: 'emulator-client-id',
			client_secret: 'emulator-client-secret',
		});
		expect((await http.post(admin('tokens/expire'))).status).toBe(200);
		const refused = await http.get(`${groupUrl()}/announcement`, {
			headers: { Authorization: `Bearer ${issued.data.access_token}` },
		});
		expectAgoraError(refused, 401, 'unauthorized');

		expect((await http.post(admin('reset'))).status).toBe(200);
		expect(emulator.state()).toMatchObject({ clockOffsetMs: 0, groups: [], issuedTokens: 0 });
		expect(emulator.config.downloadHeaders).toBe('none');
	});

	it('answers bad admin input with 400 error JSON', async () => {
		expectAgoraError(await http.post(admin('faults'), { type: 'boom' }), 400, 'illegal_argument', /type/);
		expectAgoraError(await http.post(admin('config'), { downloadHeaders: 'sometimes' }), 400, 'illegal_argument');
		expectAgoraError(await http.post(admin('config'), { appId: 'not-hex' }), 400, 'illegal_argument', /32 hexadecimal/);
		expectAgoraError(
			await http.post(admin('files'), { groupId: 'missing', fileName: 'a', contentBase64: '' }),
			404,
			'service_resource_not_found',
		);
		expectAgoraError(await http.post(admin('clock'), { advanceMs: 'soon' }), 400, 'illegal_argument');
	});
});
