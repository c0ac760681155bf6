import { abortableSleep, AgoraCancelledError, DEFAULT_RETRY_POLICY, MIN_RETRY_WAIT_MS, RetryBudget, retryDelayMs } from '../../nodes/ChatGroup/shared/retryPolicy';

describe('the retry budget of one item', () => {
	it('counts wall time since the item\'s first attempt against Max Total Retry Wait, slow attempts included (issue 17, point 9)', () => {
		let now = 1_000;
		const budget = new RetryBudget({ ...DEFAULT_RETRY_POLICY, maxTotalWaitMs: 100 }, undefined, () => now);
		now += 5_000; // waiting for a turn of the pace before the first attempt: not counted
		expect(budget.allows(100)).toBe(true);
		budget.attemptStarting();
		now += 60; // a slow attempt counts
		expect(budget.allows(40)).toBe(true);
		expect(budget.allows(41)).toBe(false);
		budget.attemptStarting(); // a later attempt does not restart the clock
		now += 40;
		expect(budget.allows(0)).toBe(true);
		now += 1;
		expect(budget.allows(0)).toBe(false);
	});

	it('never waits less than a moment before a retry, whatever Retry-After says (issue 17, point 9)', () => {
		const failure = { kind: 'http' as const, status: 429, error: 'reach_limit', retryAfterMs: 0 };
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, failure)).toBe(MIN_RETRY_WAIT_MS);
		// At least the pace's own interval when that is longer (here 2 per second).
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, failure, 500)).toBe(500);
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, { ...failure, retryAfterMs: 3_000 }, 500)).toBe(3_000);
	});

	it('stops waiting at once when the execution is cancelled', async () => {
		const controller = new AbortController();
		const budget = new RetryBudget(DEFAULT_RETRY_POLICY, controller.signal);
		const startedAt = performance.now();
		const waiting = budget.wait(20_000);
		controller.abort();
		await expect(waiting).rejects.toBeInstanceOf(AgoraCancelledError);
		expect(performance.now() - startedAt).toBeLessThan(1_000);
		expect(() => budget.throwIfCancelled()).toThrow(AgoraCancelledError);
	});

	it('refuses to start a wait in a cancelled execution, and waits normally without a signal', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(abortableSleep(10, controller.signal)).rejects.toBeInstanceOf(AgoraCancelledError);
		await expect(abortableSleep(10)).resolves.toBeUndefined();
	});
});
