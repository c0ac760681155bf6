/**
 * What users see when something is wrong, and what the node does about transient failures:
 * exact messages, no request for input it can refuse itself, retries without duplicates.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { appCertificateCredentials, APP_CERTIFICATE, binaryItem, bytesOf, GROUP_ID, MB, sampleBytes, sha256, useTestBed } from './fixtures';
import { expectNoSecrets } from './secrets';

const bed = useTestBed();

beforeEach(() => bed.engine.useCredentials(appCertificateCredentials(bed.emulator)));

/** Runs the node and checks that no secret, including the tokens it sent, shows in the result. */
async function run(parameters: INodeParameters, options: { items?: INodeExecutionData[]; continueOnFail?: boolean } = {}) {
	const result = await bed.engine.run(parameters, options);
	const sentTokens = bed.emulator.requests.map((request) => request.headers.authorization?.replace(/^Bearer /, '')).filter(Boolean) as string[];
	expectNoSecrets({ error: result.error, items: result.items.map((item) => ({ json: item.json, error: item.error })) }, [APP_CERTIFICATE, ...sentTokens]);
	return result;
}

const get = (extra: INodeParameters = {}) => ({ resource: 'announcement', operation: 'get', groupId: GROUP_ID, ...extra });
const update = (announcement: string, extra: INodeParameters = {}) => ({ resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement, ...extra });
const file = (operation: string, extra: INodeParameters = {}) => ({ resource: 'sharedFile', operation, groupId: GROUP_ID, ...extra });
const fastRetries = (maxRetries = 4) => ({ requestOptions: { maxRetries, maxRetryWaitSeconds: 30 } });

describe('refused before sending: no request leaves the node', () => {
	const cases: Array<[string, INodeParameters, INodeExecutionData[] | undefined, string, RegExp]> = [
		['empty group id (n8n checks required fields first)', get({ groupId: '' }), undefined, "The 'Agora Chat Group' node has issues:\n- Parameter \"Group\" is required.", /^$/],
		['blank group id', file('getAll', { groupId: '   ', returnAll: true }), undefined, 'The Group ID is empty', /map it from a previous node/],
		['group id mapped from a missing field', get({ groupId: '={{ $json.group }}' }), [{ json: { name: 'no group here' } }], 'The Group ID is empty', /check that the input item has a value/],
		['empty file id on download (n8n checks required fields first)', file('download', { fileId: '' }), undefined, "The 'Agora Chat Group' node has issues:\n- Parameter \"File\" is required.", /^$/],
		['file id mapped from a missing field', file('download', { fileId: '={{ $json.id }}' }), [{ json: {} }], 'The File ID is empty', /file_id from Shared File > Get Many/],
		['blank file id on delete', file('delete', { fileId: ' \t' }), undefined, 'The File ID is empty', /file_id/],
		['announcement of 513 characters', update('x'.repeat(513)), undefined, 'The Announcement is 513 characters long; Agora Chat accepts at most 512', /Shorten the text/],
		['257 emoji count as 514 characters', update('🎉'.repeat(257)), undefined, 'The Announcement is 514 characters long; Agora Chat accepts at most 512', /most emoji count as 2/],
		['file one byte over 10 MB', file('upload'), [binaryItem(Buffer.alloc(10 * MB + 1), 'big.bin')], 'The file is 10,485,761 bytes; the upload limit is 10 MB (10,485,760 bytes)', /raise Max File Size/],
		['file over a raised limit', file('upload', { options: { maxFileSizeMb: 2 } }), [binaryItem(Buffer.alloc(2 * MB + 1), 'big.bin')], 'The file is 2,097,153 bytes; the upload limit is 2 MB (2,097,152 bytes)', /Send a smaller file/],
		['missing binary field, others present', file('upload'), [{ json: {}, binary: { attachment: { data: 'eA==', mimeType: 'text/plain', fileName: 'a.txt' } } }], 'The input item has no binary field "data"', /binary fields are: "attachment"\. Set Input Binary Field/],
		['no binary data at all', file('upload', { binaryPropertyName: 'report' }), [{ json: { id: 1 } }], 'The input item has no binary field "report"', /no binary data at all/],
	];

	it.each(cases)('%s', async (_label, parameters, items, message, description) => {
		const { error } = await run(parameters, { items });
		expect(error?.message).toBe(message);
		expect(error?.description ?? '').toMatch(description);
		expect(bed.emulator.requests).toEqual([]);
	});

	it.each([
		['a host with a path', { host: 'https://a41.chat.agora.io/demo-org/demo-app' }, 'The Host "https://a41.chat.agora.io/demo-org/demo-app" is not a plain host name. Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io (no path such as /org/app, no query).'],
		['an App ID that is not 32 hex characters', { appId: '12345' }, 'The App ID must be 32 hexadecimal characters (it has 5). Copy it from the Agora Console: Project Management > Config > App ID.'],
	])('a credential with %s', async (_label, override, message) => {
		bed.engine.useCredentials({ ...appCertificateCredentials(bed.emulator), ...override });
		const { error } = await run(get());
		expect(error?.message).toBe(message);
		expect(bed.emulator.requests).toEqual([]);
	});
});

describe('the service\'s errors, in its words, with what to check', () => {
	const cases: Array<[string, () => INodeParameters, string, string, RegExp]> = [
		['group that does not exist', () => get({ groupId: '999' }), '404', 'grpID 999 does not exist!', /Group "999" does not exist in this app/],
		['file that does not exist (download: JSON error, not a file)', () => file('download', { fileId: 'no-such-file' }), '404', '', /File "no-such-file" is not a shared file of group "66021836783617".*Get Many/],
		['file that does not exist (delete)', () => file('delete', { fileId: 'no-such-file' }), '404', '', /File "no-such-file" is not a shared file/],
	];

	it.each(cases)('%s', async (_label, parameters, httpCode, message, description) => {
		const { error, items } = await run(parameters());
		expect(items).toEqual([]);
		expect((error as { httpCode?: string }).httpCode).toBe(httpCode);
		if (message) expect(error?.message).toBe(message);
		else expect(error?.message).toMatch(/no-such-file/);
		expect(error?.description).toMatch(description);
		expect(bed.emulator.requests).toHaveLength(1);
	});

	it('wrong org name: 404 that points at the credential', async () => {
		bed.engine.useCredentials({ ...appCertificateCredentials(bed.emulator), orgName: 'other-org' });
		const { error } = await run(get());
		expect(error?.message).toMatch(/other-org/);
		expect(error?.description).toMatch(/^The Org Name or App Name in the credential is wrong/);
	});

	it('token of another project (or another data center): 401 with both causes', async () => {
		bed.engine.useCredentials({ ...appCertificateCredentials(bed.emulator), appCertificate: 'b'.repeat(32) });
		const { error } = await run(get());
		expect(error?.message).toBe('Unable to authenticate due to corrupt access token');
		expect(error?.description).toMatch(/Host must be your project's own REST API domain/);
		expect(bed.emulator.requests).toHaveLength(1); // a token the node made itself is not renewed on 401: the certificate is wrong.
	});

	it('announcement the service finds too long: 403 forbidden_op', async () => {
		bed.emulator.injectFault({ operation: 'updateAnnouncement', type: 'status', status: 403, error: 'forbidden_op', description: 'announce info length exceeds limit!' });
		const { error } = await run(update('fits here, not there'));
		expect(error?.message).toBe('announce info length exceeds limit!');
		expect(error?.description).toBe('The service refused the announcement: it accepts at most 512 characters. Shorten the text.');
	});

	it('file the service finds too large: 413 after a raised local limit', async () => {
		const { error } = await run(file('upload', { options: { maxFileSizeMb: 20 } }), { items: [binaryItem(Buffer.alloc(10 * MB + 1), 'big.bin')] });
		expect(error?.message).toBe('file exceeding maximum limit');
		expect(error?.description).toMatch(/larger than the app accepts \(10 MB unless your plan raises it\)/);
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
	});

	it('plan quota (429 resource_limited) is not retried', async () => {
		bed.emulator.injectFault({ type: 'status', status: 429, error: 'resource_limited', description: 'You have exceeded the limit of the community edition' });
		const { error } = await run(get());
		expect(error?.message).toBe('You have exceeded the limit of the community edition');
		expect(error?.description).toMatch(/plan's quota.*the node does not retry this/);
		expect(bed.emulator.requests).toHaveLength(1);
	});

	it('other 4xx are not retried', async () => {
		bed.emulator.injectFault({ type: 'status', status: 400, error: 'illegal_argument', description: 'announcement is null' });
		const { error } = await run(update('x'));
		expect(error?.message).toBe('announcement is null');
		expect(bed.emulator.requests).toHaveLength(1);
	});

	it('a 200 with the service\'s JSON instead of the file is an error, not a file', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'a.txt', bytes: Buffer.from('a') });
		const envelope = { action: 'get', application: 'x', uri: 'x', entities: [], data: { file_id: stored.fileId }, timestamp: 1, duration: 0, organization: 'demo-org', applicationName: 'demo-app' };
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'status', status: 200, body: JSON.stringify(envelope), contentType: 'application/json' });
		const { error, items } = await run(file('download', { fileId: stored.fileId }));
		expect(items).toEqual([]);
		expect(error?.message).toBe('The service sent JSON instead of the file');
	});
});

describe('transient failures are retried', () => {
	it('429 reach_limit twice, then success', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		bed.emulator.injectFault({ type: 'status', status: 429, error: 'reach_limit', description: 'This request has reached api limit.', times: 2 });
		const { error, items } = await run(get(fastRetries()));
		expect(error).toBeUndefined();
		expect(items[0].json.announcement).toBe('hello');
		expect(bed.emulator.requests.map((request) => request.status)).toEqual([429, 429, 200]);
	});

	it('503 then success', async () => {
		bed.emulator.injectFault({ type: 'status', status: 503, body: '<html>Service Unavailable</html>' });
		const { error } = await run(update('after the outage', fastRetries()));
		expect(error).toBeUndefined();
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('after the outage');
		expect(bed.emulator.requests.map((request) => request.status)).toEqual([503, 200]);
	});

	it('Retry-After is honoured', async () => {
		bed.emulator.injectFault({ type: 'status', status: 503, headers: { 'Retry-After': '1' } });
		const { error } = await run(get(fastRetries()));
		expect(error).toBeUndefined();
		const [first, second] = bed.emulator.requests;
		expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
	});

	it('gives up after Max Retries and says how often it tried', async () => {
		bed.emulator.injectFault({ type: 'status', status: 502, times: 10 });
		const { error } = await run(get(fastRetries(2)));
		expect(error?.description).toBe('The Agora Chat service is having trouble (HTTP 502). The node tried 3 times. Try again later.');
		expect(bed.emulator.requests).toHaveLength(3);
	});

	it('gives up when the next wait would pass Max Total Retry Wait', async () => {
		bed.emulator.injectFault({ type: 'status', status: 503, headers: { 'Retry-After': '120' }, times: 3 });
		const { error } = await run(get({ requestOptions: { maxRetries: 4, maxRetryWaitSeconds: 60 } }));
		expect((error as { httpCode?: string }).httpCode).toBe('503');
		expect(bed.emulator.requests).toHaveLength(1);
	});

	it('a connection reset before the service acted: the upload is sent again, stored once', async () => {
		const content = sampleBytes(64 * 1024);
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'beforeHandling' });
		const { error, items } = await run(file('upload', fastRetries()), { items: [binaryItem(content, 'notes.bin')] });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(sha256(stored[0].bytes)).toBe(sha256(content));
		expect(items[0].json.file_id).toBe(stored[0].fileId);
	});

	it('a connection reset after the service stored the upload: found in the list, not sent twice', async () => {
		const content = sampleBytes(64 * 1024);
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'afterHandling' });
		const { error, items } = await run(file('upload', fastRetries()), { items: [binaryItem(content, 'notes.bin')] });
		expect(error).toBeUndefined();
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(items[0].json).toMatchObject({ file_id: stored[0].fileId, file_name: 'notes.bin', file_size: content.length, group_id: GROUP_ID });
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'listFiles']);
	});

	it('a delete whose answer was lost: the retry\'s 404 means the file is gone, as asked', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'old.txt', bytes: Buffer.from('old') });
		bed.emulator.injectFault({ operation: 'deleteFile', type: 'reset', phase: 'afterHandling' });
		const { error, items } = await run(file('delete', { fileId: stored.fileId, ...fastRetries() }));
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ group_id: GROUP_ID, file_id: stored.fileId, result: true });
		expect(bed.emulator.requests.map((request) => request.status)).toEqual([0, 404]);
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
	});

	it('a delete of a file that never existed is still an error', async () => {
		const { error } = await run(file('delete', { fileId: 'never-there', ...fastRetries() }));
		expect((error as { httpCode?: string }).httpCode).toBe('404');
	});

	it('an older file with the same name and size is not mistaken for the lost upload', async () => {
		const content = sampleBytes(1000);
		bed.emulator.addFile(GROUP_ID, { fileName: 'daily.csv', bytes: sampleBytes(1000), created: Date.now() - 24 * 60 * 60 * 1000 });
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'beforeHandling' });
		const { error } = await run(file('upload', fastRetries()), { items: [binaryItem(content, 'daily.csv')] });
		expect(error).toBeUndefined();
		expect(bed.emulator.listFiles(GROUP_ID).map((stored) => sha256(stored.bytes))).toContain(sha256(content));
		expect(bed.emulator.listFiles(GROUP_ID)).toHaveLength(2);
	});

	it('a slow answer hits the Timeout and is reported as such', async () => {
		bed.emulator.injectFault({ type: 'delay', ms: 1500, times: 5 });
		const { error } = await run(get({ requestOptions: { timeout: 200, maxRetries: 1, maxRetryWaitSeconds: 5 } }));
		expect(error?.message).toBe('The Agora Chat service did not answer in time');
		expect(error?.description).toMatch(/^No answer arrived within the Timeout set in the node's Request Options\. The node tried 2 times\./);
	});

	it('a slow answer once, then a timely one', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'late but fine');
		bed.emulator.injectFault({ type: 'delay', ms: 1500 });
		const { error, items } = await run(get({ requestOptions: { timeout: 300, maxRetries: 2 } }));
		expect(error).toBeUndefined();
		expect(items[0].json.announcement).toBe('late but fine');
	});

	it('a truncated download (declared length longer than the body) is retried, never stored short', async () => {
		const content = sampleBytes(200 * 1024);
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'photo.jpg', bytes: content, contentType: 'image/jpeg' });
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
		const { error, items } = await run(file('download', { fileId: stored.fileId, ...fastRetries() }));
		expect(error).toBeUndefined();
		expect(sha256(bytesOf(items[0]))).toBe(sha256(content));
		expect(bed.emulator.requests).toHaveLength(2);
	});

	it('a download that always arrives truncated is an error, not a file', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'photo.jpg', bytes: sampleBytes(200 * 1024) });
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate', times: 5 });
		const { error, items } = await run(file('download', { fileId: stored.fileId, ...fastRetries(1) }));
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/^The (connection to the Agora Chat service was lost|file did not arrive whole)/);
	});
});

describe('the service\'s 100 calls per second', () => {
	it('are respected with default settings: 300 items all succeed, without a storm of retries', async () => {
		bed.emulator.configure({ rateLimitPerSecond: 100 });
		bed.emulator.setAnnouncement(GROUP_ID, 'busy');
		const items = Array.from({ length: 300 }, (_, index) => ({ json: { index } }));
		const { error, items: output } = await run(get(), { items });
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.announcement === 'busy')).toHaveLength(300);
		// On a quiet machine no 429 at all; a loaded one delays some requests into the next second,
		// which are retried. Unpaced, 200 of the 300 would be refused on the first round alone.
		expect(bed.emulator.requests.length).toBeLessThanOrEqual(360);
	});
});

describe('Continue On Fail', () => {
	it('keeps every good result paired with its input, and pairs each error item with its input', async () => {
		bed.emulator.createGroup('second');
		bed.emulator.seedFiles(GROUP_ID, 3);
		bed.emulator.seedFiles('second', 2);
		const items = [{ json: { group: GROUP_ID } }, { json: { group: '' } }, { json: { group: 'missing' } }, { json: { group: 'second' } }];
		const { error, items: output } = await run(file('getAll', { groupId: '={{ $json.group }}', returnAll: true }), { items, continueOnFail: true });
		expect(error).toBeUndefined();
		const summary = output.map((item) => [(item.pairedItem as { item: number }).item, item.error ? item.error.message : item.json.file_name]);
		expect(summary).toEqual([
			[0, expect.any(String)],
			[0, expect.any(String)],
			[0, expect.any(String)],
			[1, 'The Group ID is empty'],
			[2, 'grpID missing does not exist!'],
			[3, expect.any(String)],
			[3, expect.any(String)],
		]);
	});

	it('one output per input for single-result operations, errors in place', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'ok');
		const items = [{ json: { group: GROUP_ID } }, { json: { group: 'missing' } }, { json: { group: GROUP_ID } }];
		const { items: output } = await run(get({ groupId: '={{ $json.group }}' }), { items, continueOnFail: true });
		expect(output.map((item) => [(item.pairedItem as { item: number }).item, item.error?.message ?? item.json.announcement])).toEqual([
			[0, 'ok'],
			[1, 'grpID missing does not exist!'],
			[2, 'ok'],
		]);
	});

	it('without it, the error names the failing item', async () => {
		const items = [{ json: { text: 'fine' } }, { json: { text: 'y'.repeat(600) } }];
		const { error } = await run(update('={{ $json.text }}'), { items });
		expect(error?.message).toBe('The Announcement is 600 characters long; Agora Chat accepts at most 512 [item 1]');
	});
});
