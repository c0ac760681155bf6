/**
 * Issue 17, points 10 and 11: against the service's 100 calls per second, requests leave at the
 * pace whatever they waited for. Each item takes its turn of the pace before it reads its
 * parameters (so the first request is not held up by every later item's preparation); a turn not
 * used promptly, because the item then waited for the group's list or a name lock, is given back,
 * and the request takes a fresh one. A cancelled execution's remaining items take no more turns.
 */
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
