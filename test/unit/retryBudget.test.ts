import { abortableSleep, AgoraCancelledError, DEFAULT_RETRY_POLICY, RetryBudget } from '../../nodes/ChatGroup/shared/transport';

describe('the retry budget of one item', () => {
	it('counts every wait against one Max Total Retry Wait', async () => {
		const budget = new RetryBudget({ ...DEFAULT_RETRY_POLICY, maxTotalWaitMs: 100 });
		expect(budget.allows(60)).toBe(true);
		await budget.wait(60);
		expect(budget.allows(60)).toBe(false);
		expect(budget.allows(40)).toBe(true);
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
