/**
 * The credential's two address forms (`{org}/{app}` and `app-id/{App ID}`) through every part of
 * the node, and a credential test that passes only when the Agora Chat service itself answered.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { APP_ID, appCertificateCredentials, appTokenCredentials, binaryItem, bytesOf, GROUP_ID, useTestBed } from './fixtures';

const bed = useTestBed();
const HOST_MESSAGE = /^Host did not answer as the Agora Chat REST API\. Check Host: it must be your project's REST API domain/;

/** Org Name and App Name left empty: only Host, App ID and App Certificate. */
function appIdCredentials(): ICredentialDataDecryptedObject {
	return { ...appCertificateCredentials(bed.emulator), orgName: '', appName: '' };
}

describe('the app-id/{App ID} form: Host, App ID and App Certificate only', () => {
	beforeEach(() => bed.engine.useCredentials(appIdCredentials()));

	it('addresses every operation as /app-id/{App ID}/…', async () => {
		const update = await bed.engine.run({ resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement: 'via App ID' });
		expect(update.error).toBeUndefined();
		const get = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(get.items[0].json).toEqual({ groupId: GROUP_ID, announcement: 'via App ID' });
		const upload = await bed.engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID }, { items: [binaryItem(Buffer.from('minutes'), 'minutes.txt', 'text/plain')] });
		expect(upload.error).toBeUndefined();
		const fileId = String(upload.items[0].json.file_id);
		expect(upload.items[0].json.file_url).toBe(`${bed.emulator.url}/app-id/${APP_ID}/chatgroups/${GROUP_ID}/share_files/${fileId}`);
		const getAll = await bed.engine.run({ resource: 'sharedFile', operation: 'getAll', groupId: GROUP_ID, returnAll: true });
		expect(getAll.items.map((item) => item.json.file_name)).toEqual(['minutes.txt']);
		const download = await bed.engine.run({ resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId: { __rl: true, mode: 'url', value: String(upload.items[0].json.file_url) } });
		expect(download.error).toBeUndefined();
		expect(bytesOf(download.items[0]).toString()).toBe('minutes');
		const remove = await bed.engine.run({ resource: 'sharedFile', operation: 'delete', groupId: GROUP_ID, fileId });
		expect(remove.error).toBeUndefined();
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);

		expect(bed.emulator.requests.length).toBeGreaterThanOrEqual(6);
		for (const request of bed.emulator.requests) expect(request.rawPath).toMatch(new RegExp(`^/app-id/${APP_ID}/chatgroups/`));
	});

	it('the pickers list groups and files in that form', async () => {
		bed.emulator.addFile(GROUP_ID, { fileName: 'a.txt', bytes: Buffer.from('a') });
		const groups = await bed.engine.listSearch('searchGroups', {});
		expect(groups.results.map((item) => item.value)).toEqual([GROUP_ID]);
		const files = await bed.engine.listSearch('searchFiles', { groupId: { __rl: true, mode: 'list', value: GROUP_ID } });
		expect(files.results.map((item) => item.name)).toEqual([expect.stringMatching(/^a\.txt · 1 B · /)]);
		expect(bed.emulator.requests.map((request) => request.rawPath)).toEqual([`/app-id/${APP_ID}/chatgroups`, `/app-id/${APP_ID}/chatgroups/${GROUP_ID}/share_files`]);
	});

	it('the credential test passes, and asks the service in that form', async () => {
		await expect(bed.engine.testCredential(appIdCredentials())).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(bed.emulator.requests.map((request) => `${request.rawPath}?limit=${request.query.limit}`)).toEqual([`/app-id/${APP_ID}/chatgroups?limit=1`]);
	});

	it('an App ID the service does not know fails the test, naming the App ID', async () => {
		const result = await bed.engine.testCredential({ ...appIdCredentials(), appId: 'f'.repeat(32) });
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/^Org Name or App Name is wrong \(or, with both left empty, the App ID\)/) });
	});

	it('the org/app form still works beside it, with the same certificate', async () => {
		bed.engine.useCredentials(appCertificateCredentials(bed.emulator));
		expect((await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID })).error).toBeUndefined();
		expect(bed.emulator.requests[0].rawPath).toBe(`/demo-org/demo-app/chatgroups/${GROUP_ID}/announcement`);
	});

	it.each([
		['only Org Name filled', { orgName: 'demo-org', appName: '' }, /^The App Name is empty\. .*or leave both Org Name and App Name empty to address the app by its App ID/],
		['only App Name filled', { orgName: '', appName: 'demo-app' }, /^The Org Name is empty\. /],
		['no App ID either', { orgName: '', appName: '', appId: '' }, /^Org Name, App Name and App ID are empty\. Enter the App ID/],
	])('%s: refused before sending, saying what to fill in', async (_label, fields, expected) => {
		bed.engine.useCredentials({ ...appIdCredentials(), ...fields });
		const { error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(error?.message).toMatch(expected);
		expect((await bed.engine.testCredential({ ...appIdCredentials(), ...fields })).message).toMatch(expected);
		expect(bed.emulator.requests).toEqual([]);
	});

	it('an App Token cannot use the App ID form: Org Name and App Name are asked for', async () => {
		bed.engine.useCredentials({ ...appTokenCredentials(bed.emulator), orgName: '', appName: '', appId: APP_ID });
		const { error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(error?.message).toMatch(/^Org Name and App Name are empty\. .*only Token Source App ID \+ App Certificate can address the app by its App ID/);
	});
});

describe('the credential test succeeds only when Agora Chat itself answered', () => {
	let other: FastifyInstance;
	let answer: { status: number; type: string; body: string };

	beforeAll(async () => {
		other = Fastify();
		other.all('/*', async (_request, reply) => await reply.code(answer.status).type(answer.type).send(answer.body));
		await other.listen({ port: 0, host: '127.0.0.1' });
	});
	afterAll(async () => await other.close());

	const otherHost = () => {
		const address = other.server.address();
		return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
	};

	it('passes against the service (org/app form), after one request for one group', async () => {
		await expect(bed.engine.testCredential(appTokenCredentials(bed.emulator))).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(bed.emulator.requests.map((request) => [request.operation, request.query])).toEqual([['listGroups', { limit: '1' }]]);
	});

	it.each([
		['a 404 HTML page', { status: 404, type: 'text/html', body: '<!doctype html><html><body><h1>404 Not Found</h1></body></html>' }],
		['a 200 HTML page (a web site)', { status: 200, type: 'text/html', body: '<html><body>Welcome to nginx!</body></html>' }],
		['another service\'s JSON API (200)', { status: 200, type: 'application/json', body: '{"status":"ok","items":[]}' }],
		['another service\'s JSON error (404)', { status: 404, type: 'application/json', body: '{"message":"Not Found","documentation_url":"https://docs.example.com"}' }],
		['an empty 204', { status: 204, type: 'text/plain', body: '' }],
	])('a wrong Host serving %s fails with a message naming Host', async (_label, served) => {
		answer = served;
		const result = await bed.engine.testCredential({ ...appTokenCredentials(bed.emulator), host: otherHost() });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(HOST_MESSAGE);
	});

	it('the service\'s own 429 reach_limit says to test again, not that Host is wrong', async () => {
		bed.emulator.injectFault({ type: 'status', status: 429, error: 'reach_limit', operation: 'listGroups' });
		const result = await bed.engine.testCredential(appTokenCredentials(bed.emulator));
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/Test again in a moment/) });
	});
});
