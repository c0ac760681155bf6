/**
 * Issue 17, points 10 and 11: against the service's 100 calls per second, requests leave at the
 * pace whatever they waited for. Each item takes its turn of the pace before it reads its
 * parameters (so the first request is not held up by every later item's preparation); a turn not
 * used promptly, because the item then waited for the group's list or a name lock, is given back,
 * and the request takes a fresh one. A cancelled execution's remaining items take no more turns.
 * Issue 21: a turn counts in the service's second from its answer (status and headers), not from
 * when a download's body has gone into n8n's binary store.
 */
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import { sleep } from 'n8n-workflow';

import { AgoraChatEmulator } from '../emulator/server';
import { Engine } from '../support/engine';
import { APP_TOKEN, GROUP_ID } from './fixtures';

let emulator: AgoraChatEmulator;
let engine: Engine;

beforeAll(async () => {
	emulator = await AgoraChatEmulator.start({ rateLimitPerSecond: 100 });
	// n8n 2.x's default: binary data on disk.
	engine = await Engine.load({ binaryMode: 'filesystem' });
});

afterAll(async () => {
	await emulator?.stop();
});

beforeEach(() => {
	emulator.reset();
	emulator.createGroup(GROUP_ID);
});

const credentials = (requestsPerSecond?: number, host = emulator.url) => ({
	host,
	orgName: 'demo-org',
	appName: 'demo-app',
	tokenSource: 'appToken',
	appToken: APP_TOKEN,
	accessToken: '',
	...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
});

it('10: 250 Skip uploads into a group of 1,500 files at the default pace: the service refuses (almost) nothing', async () => {
	engine.useCredentials(credentials());
	emulator.seedFiles(GROUP_ID, 1500);
	const items = await Promise.all(
		Array.from({ length: 250 }, async (_, index) => ({ json: {}, binary: { data: await engine.storeBinary(Buffer.from(`new file ${index}`), `new-${index}.txt`, 'text/plain') } })),
	);
	const { error, items: output } = await engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID, options: { ifFileExists: 'skip' } }, { items });
	expect(error).toBeUndefined();
	expect(output.filter((item) => item.json.skipped === false)).toHaveLength(250);
	const answered = emulator.requests.filter((request) => request.status !== 0);
	const refused = answered.filter((request) => request.status === 429).length;
	expect({ listings: answered.filter((request) => request.operation === 'listFiles' && request.status === 200).length, refused: refused <= 3 ? 'at most 3' : refused }).toEqual({
		listings: 2,
		refused: 'at most 3',
	});
});

it('10: the same at a fifth of the scale (a service of 20 calls/s, 19 per second in the credential, 100 uploads): no burst after the list read', async () => {
	emulator.configure({ rateLimitPerSecond: 20 });
	try {
		engine.useCredentials(credentials(19));
		emulator.seedFiles(GROUP_ID, 1500);
		const items = await Promise.all(
			Array.from({ length: 100 }, async (_, index) => ({ json: {}, binary: { data: await engine.storeBinary(Buffer.from(`new file ${index}`), `new-${index}.txt`, 'text/plain') } })),
		);
		const { error } = await engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID, options: { ifFileExists: 'replaceIfDifferent' } }, { items });
		expect(error).toBeUndefined();
		const refused = emulator.requests.filter((request) => request.status === 429).length;
		expect({ uploads: emulator.requests.filter((request) => request.operation === 'uploadFile' && request.status === 200).length, refused: refused <= 1 ? 'at most 1' : refused }).toEqual({
			uploads: 100,
			refused: 'at most 1',
		});
	} finally {
		emulator.configure({ rateLimitPerSecond: 100 });
	}
}, 60_000);

it('11: a cancelled execution\'s remaining items take no more turns: the next execution\'s request leaves at once', async () => {
	// Another host name for the same emulator: a pace of its own, whatever the tests before left in the other's window.
	engine.useCredentials(credentials(5, emulator.url.replace('127.0.0.1', 'localhost')));
	emulator.setAnnouncement(GROUP_ID, 'hi');
	const get = { resource: 'announcement', operation: 'get', groupId: GROUP_ID };
	const cancelled = engine.run(get, { items: Array.from({ length: 60 }, () => ({ json: {} })), cancelAfterMs: 1500 });
	await sleep(1700);
	const sentBeforeNext = emulator.requests.length;
	const startedAt = Date.now();
	const next = await engine.run(get);
	const nextMs = Date.now() - startedAt;
	await cancelled;
	expect(next.error).toBeUndefined();
	// 5 per second until the cancellation at 1.5 s: a second's 5 within its first half, the next 5 each a second after
	// an answer (from about 1 s), so at most 10 (fewer on a busy machine).
	expect(sentBeforeNext).toBeGreaterThanOrEqual(1);
	expect(sentBeforeNext).toBeLessThanOrEqual(10);
	expect({ nextWithinASecond: nextMs < 1000, sentAfterwards: emulator.requests.length - sentBeforeNext - 1 }).toEqual({ nextWithinASecond: true, sentAfterwards: 0 });
}, 30_000);

const STORE_DELAY_MS = 1500;

it('21: a turn counts from the service\'s answer, not from when the body was stored: at 1 request/s, three downloads whose bodies take 1.5 s to store leave about a second apart, not 2.5 s', async () => {
	const files = emulator.seedFiles(GROUP_ID, 3, { sizeBytes: 2048 });
	// Its own host name: a pace of its own.
	engine.useCredentials(credentials(1, emulator.url.replace('127.0.0.1', 'localhost')));
	const binaryData = Container.get(BinaryDataService);
	const store = binaryData.store.bind(binaryData);
	const slowStore = jest.spyOn(binaryData, 'store').mockImplementation(async (...args: Parameters<BinaryDataService['store']>) => {
		await sleep(STORE_DELAY_MS);
		return await store(...args);
	});
	try {
		const { error, items } = await engine.run(
			{ resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId: '={{ $json.file_id }}' },
			{ items: files.map((file) => ({ json: { file_id: file.fileId } })) },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.fileName)).toEqual(files.map((file) => file.fileName));
		expect(slowStore).toHaveBeenCalledTimes(3);
	} finally {
		slowStore.mockRestore();
	}
	const arrivals = emulator.requests.filter((request) => request.operation === 'downloadFile').map((request) => request.receivedAt);
	expect(arrivals).toHaveLength(3);
	const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]);
	// A second after the answer (plus the pacer's margin); counted after the store it would be 2.5 s or more.
	expect(gaps.map((gap) => (gap >= 950 && gap < 2000 ? 'about a second' : gap))).toEqual(['about a second', 'about a second']);
}, 30_000);
