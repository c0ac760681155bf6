/**
 * The defects of issue 11's review, each as the user meets it: unknown errors keep their own
 * message, Easemob tokens are fetched once per credential and process, a 401 on an upload ends
 * in one stored file, a 403 on Update says what it is, Max Total Retry Wait caps nested waits,
 * Continue On Fail items carry no "[item N]". (Cancellation: test/unit/retryBudget.test.ts, since n8n
 * gives declarative nodes no cancel signal.)
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { removeFile } from '../support/node';
import { clientCredentials, GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed({ binaryMode: 'filesystem' });

const get = (extra: INodeParameters = {}) => ({ resource: 'announcement', operation: 'get', groupId: GROUP_ID, ...extra });
const upload = (extra: INodeParameters = {}) => ({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID, ...extra });
const tokenRequests = () => bed.emulator.requests.filter((request) => request.operation === 'token');
const items = (count: number): INodeExecutionData[] => Array.from({ length: count }, (_, index) => ({ json: { index } }));

async function storedItem(content: Buffer, fileName: string): Promise<INodeExecutionData> {
	return { json: {}, binary: { data: await bed.engine.storeBinary(content, fileName, 'application/octet-stream') } };
}

describe('1: an error that is not the service\'s or the network\'s', () => {
	it('is not retried, starts no upload look-up, and keeps its own message', async () => {
		const item = await storedItem(sampleBytes(4096), 'gone.bin');
		// The binary store lost the file after n8n listed it: reading it fails inside the request.
		removeFile(bed.engine.binaryPath(item.binary!.data));
		const { error } = await bed.engine.run(upload({ requestOptions: { maxRetries: 4 } }), { items: [item] });
		// n8n's binary store says so in its own words; before, this was "The connection ... was lost" after 5 attempts.
		expect(error?.message).toMatch(/not found|ENOENT/i);
		expect(error?.message).not.toMatch(/connection .* was lost/);
		// The one listing before the upload (issue 17, point 6), and no look-up for a stored file after it.
		expect(bed.emulator.requests.filter((request) => request.operation === 'listFiles')).toHaveLength(1);
		expect(bed.emulator.requests.filter((request) => request.operation === 'uploadFile').length).toBeLessThanOrEqual(1);
	});
});

describe('3 and 4: Easemob tokens (Client ID + Client Secret)', () => {
	beforeEach(() => bed.engine.useCredentials({ ...clientCredentials(bed.emulator), requestsPerSecond: 0 }));

	it('50 items on a fresh credential make exactly one token request', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		const { error, items: output } = await bed.engine.run(get(), { items: items(50) });
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.announcement === 'hello')).toHaveLength(50);
		expect(tokenRequests()).toHaveLength(1);
	});

	it('after the service revoked the token, 50 items in flight make exactly one more', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		expect((await bed.engine.run(get())).error).toBeUndefined();
		bed.emulator.expireIssuedTokens();
		const { error, items: output } = await bed.engine.run(get(), { items: items(50) });
		expect(error).toBeUndefined();
		expect(output.filter((item) => item.json.announcement === 'hello')).toHaveLength(50);
		expect(tokenRequests()).toHaveLength(2);
	});

	it('a token endpoint that is briefly unavailable (503) is asked again, not reported as a wrong secret', async () => {
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		bed.emulator.injectFault({ operation: 'token', type: 'status', status: 503 });
		const { error, items: output } = await bed.engine.run(get({ requestOptions: { maxRetries: 2 } }));
		expect(error).toBeUndefined();
		expect(output[0].json.announcement).toBe('hello');
		expect(tokenRequests().map((request) => request.status)).toEqual([503, 200]);
	});

	it('an upload refused with 401 (token revoked) ends with exactly one stored file, promptly', async () => {
		expect((await bed.engine.run(get())).error).toBeUndefined();
		bed.emulator.expireIssuedTokens();
		const content = sampleBytes(256 * 1024);
		const startedAt = Date.now();
		const { error, items: output } = await bed.engine.run(upload({ requestOptions: { timeout: 20_000 } }), { items: [await storedItem(content, 'minutes.bin')] });
		expect(error).toBeUndefined();
		expect(Date.now() - startedAt).toBeLessThan(5_000);
		const stored = bed.emulator.listFiles(GROUP_ID);
		expect(stored).toHaveLength(1);
		expect(sha256(stored[0].bytes)).toBe(sha256(content));
		expect(output[0].json.file_id).toBe(stored[0].fileId);
		expect(tokenRequests()).toHaveLength(2);
	});
});

describe('5: a 403 on Update', () => {
	const update = { resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement: 'short' };

	it('gets the 512-character advice only for the service\'s length answer', async () => {
		bed.emulator.injectFault({ operation: 'updateAnnouncement', type: 'status', status: 403, error: 'forbidden_op', description: 'announce info length exceeds limit!' });
		expect((await bed.engine.run(update)).error?.description).toMatch(/at most 512 characters/);
	});

	it('any other 403 shows its own message and no length advice', async () => {
		bed.emulator.injectFault({ operation: 'updateAnnouncement', type: 'status', status: 403, error: 'forbidden_op', description: 'user is not the group owner or admin' });
		const { error } = await bed.engine.run(update);
		expect(error?.message).toBe('user is not the group owner or admin');
		expect(error?.description).not.toMatch(/512/);
		expect(error?.description).toMatch(/does not allow this call/);
	});
});

describe('8: Max Total Retry Wait', () => {
	it('caps the waits of one item together, the upload\'s and its look-up\'s', async () => {
		// The upload's answer is lost, so the node looks for the file; the look-up is asked to wait 2 s.
		bed.emulator.injectFault({ operation: 'uploadFile', type: 'reset', phase: 'beforeHandling' });
		bed.emulator.injectFault({ operation: 'listFiles', type: 'status', status: 503, headers: { 'Retry-After': '2' } });
		const startedAt = Date.now();
		const { error } = await bed.engine.run(upload({ requestOptions: { maxRetries: 4, maxRetryWaitSeconds: 2 } }), {
			items: [await storedItem(sampleBytes(1024), 'capped.bin')],
		});
		// 2 s for the look-up on top of the upload's own backoff would pass the 2 s cap: the node stops instead.
		expect((error as { httpCode?: string } | undefined)?.httpCode).toBe('503');
		expect(Date.now() - startedAt).toBeLessThan(2_000);
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
	});
});

describe('9: Continue On Fail', () => {
	it('error items carry the message alone, paired with their input, without "[item N]"', async () => {
		const { items: output } = await bed.engine.run(get({ groupId: '={{ $json.group }}' }), {
			items: [{ json: { group: GROUP_ID } }, { json: { group: '' } }, { json: { group: 'missing' } }],
			continueOnFail: true,
		});
		expect(output.map((item) => [(item.pairedItem as { item: number }).item, item.error?.message])).toEqual([
			[0, undefined],
			[1, 'The Group ID is empty'],
			[2, 'grpID missing does not exist!'],
		]);
	});
});
