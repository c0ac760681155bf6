/**
 * Issue 17, points 9 and 11: every retry loop ends within Max Total Retry Wait, counted as wall time
 * from the item's first attempt (429 reach_limit with Retry-After: 0 included), each wait at least
 * the pace's interval; and the Easemob token endpoint's transient failures (5xx, 429, a lost
 * connection) are retried and worded like any other request's, also when a refused token is renewed.
 */
import { sleep } from 'n8n-workflow';

import { appTokenCredentials, clientCredentials, GROUP_ID, useTestBed } from './fixtures';
import type { NodeRun } from '../support/engine';

const bed = useTestBed();

const get = (requestOptions: Record<string, number>) => ({ resource: 'announcement', operation: 'get', groupId: GROUP_ID, requestOptions });
const reachLimitForever = { type: 'status', status: 429, error: 'reach_limit', description: 'This request has reached api limit.', headers: { 'Retry-After': '0' }, times: 1_000_000 } as const;

/**
 * The run, or a failure saying it was still going (the old loop never ended); `spanMs` is the time
 * from the first request the service saw to the last (the engine's own start-up left out).
 */
async function runWithin(ms: number, run: () => Promise<NodeRun>): Promise<NodeRun & { spanMs: number }> {
	const outcome = await Promise.race([run(), sleep(ms).then(() => undefined)]);
	if (!outcome) throw new Error(`still running after ${ms} ms, ${bed.emulator.requests.length} requests sent`);
	const arrivals = bed.emulator.requests.map((request) => request.receivedAt);
	return { ...outcome, spanMs: arrivals.length ? Math.max(...arrivals) - Math.min(...arrivals) : 0 };
}

describe('9: retries that always end', () => {
	afterEach(() => bed.emulator.clearFaults());

	it('429 reach_limit with Retry-After: 0 for ever, Max Retries 0, Max Total Retry Wait 1 s: ends in about 1 s, saying so', async () => {
		bed.emulator.injectFault(reachLimitForever);
		const { error, spanMs } = await runWithin(8_000, async () => await bed.engine.run(get({ maxRetries: 0, maxRetryWaitSeconds: 1 })));
		expect(error?.message).toBe('This request has reached api limit.');
		expect(error?.description).toMatch(/^The app key is sending more than the 100 requests per second the service allows\. The node tried \d+ times in 1 s \(Max Total Retry Wait\)\./);
		// The last retry begins within the second after the first attempt (a busy machine's late timer aside).
		expect(spanMs).toBeGreaterThanOrEqual(700);
		expect(spanMs).toBeLessThan(2_000);
	});

	it('with pacing off (Requests per Second 0) each wait still lasts a moment: a handful of attempts, not a busy loop', async () => {
		bed.engine.useCredentials({ ...appTokenCredentials(bed.emulator), requestsPerSecond: 0 });
		bed.emulator.injectFault(reachLimitForever);
		const { error, spanMs } = await runWithin(8_000, async () => await bed.engine.run(get({ maxRetries: 0, maxRetryWaitSeconds: 1 })));
		expect(error?.message).toBe('This request has reached api limit.');
		expect(spanMs).toBeLessThan(2_000);
		expect(bed.emulator.requests.length).toBeGreaterThanOrEqual(2);
		expect(bed.emulator.requests.length).toBeLessThanOrEqual(12);
	});

	it('wall time counts, not only the waits: attempts that time out after 2 s stop at Max Total Retry Wait (3 s)', async () => {
		bed.emulator.injectFault({ operation: 'getAnnouncement', type: 'delay', ms: 3_000, times: 20 });
		const { error, spanMs } = await runWithin(30_000, async () => await bed.engine.run(get({ maxRetries: 10, maxRetryWaitSeconds: 3, timeout: 2_000 })));
		expect(error?.message).toBe('The Agora Chat service did not answer in time');
		// A retry starts only while the 3 s since the first attempt are not up (it then lasts its 2 s timeout).
		expect(spanMs).toBeLessThan(3_500);
		expect(bed.emulator.requests.length).toBeLessThanOrEqual(2);
	});
});

describe('11: the Easemob token endpoint\'s transient failures', () => {
	const renewAfter = async (fault: Parameters<typeof bed.emulator.injectFault>[0]) => {
		bed.engine.useCredentials({ ...clientCredentials(bed.emulator), requestsPerSecond: 0 });
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		expect((await bed.engine.run(get({ maxRetries: 2 }))).error).toBeUndefined();
		bed.emulator.expireIssuedTokens();
		bed.emulator.clearRequests();
		bed.emulator.injectFault(fault);
		return await bed.engine.run(get({ maxRetries: 2 }));
	};
	const calls = () => bed.emulator.requests.map((request) => `${request.operation} ${request.status}`);

	it.each([
		['503', { operation: 'token', type: 'status', status: 503 } as const, 'token 503'],
		['429 reach_limit', { operation: 'token', type: 'status', status: 429, error: 'reach_limit' } as const, 'token 429'],
		['reset connection', { operation: 'token', type: 'reset' } as const, 'token 0'],
	])('renewing a refused token, a %s is retried and the item succeeds', async (_label, fault, failedCall) => {
		const { error, items } = await renewAfter(fault);
		expect(error).toBeUndefined();
		expect(items[0].json.announcement).toBe('hello');
		expect(calls()).toEqual(['getAnnouncement 401', failedCall, 'token 200', 'getAnnouncement 200']);
	});

	it('a token endpoint that stays unavailable while renewing is worded like any other 503', async () => {
		const { error } = await renewAfter({ operation: 'token', type: 'status', status: 503, times: 10 });
		expect(error?.message).toBe('Injected 503 fault');
		expect(error?.description).toMatch(/^The Agora Chat service is having trouble \(HTTP 503\)\. The node tried \d+ times\. Try again later\.$/);
	});

	it('a connection to the token endpoint that keeps breaking while renewing says so', async () => {
		const { error } = await renewAfter({ operation: 'token', type: 'reset', times: 10 });
		expect(error?.message).toBe('The connection to the Agora Chat service was lost');
	});
});
