import { sleep } from 'n8n-workflow';

/**
 * Agora Chat allows 100 calls per second per App Key and answers 429 beyond that, while n8n
 * sends all of a node's items at once. Requests of one app key leave evenly spaced, 1/rate
 * apart (a burst released together reaches the service in clumps), and never more than
 * `rate` within any second of actual release: timers that fire late after a busy moment
 * must not catch up all at once. Per process: queue-mode workers each keep their own pace.
 */
interface AppPace {
	/** Monotonic milliseconds, as below. */
	nextSlot: number;
	/** When requests actually left, over the last second. */
	released: number[];
}

const paceByApp = new Map<string, AppPace>();

/** A monotonic clock: a wall-clock change (NTP, a test's fake date) must not stall or rush requests. */
const monotonicNow = () => performance.now();

export const DEFAULT_REQUESTS_PER_SECOND = 96;
const WINDOW_MS = 1000;

/** Waits until a request of this app key may leave. */
export async function waitForRequestSlot(appKey: string, perSecond: number): Promise<void> {
	if (!(perSecond > 0)) return;
	const pace = paceByApp.get(appKey) ?? { nextSlot: 0, released: [] };
	paceByApp.set(appKey, pace);
	const slot = Math.max(monotonicNow(), pace.nextSlot);
	pace.nextSlot = slot + WINDOW_MS / perSecond;
	const limit = Math.max(1, Math.floor(perSecond));
	for (;;) {
		const now = monotonicNow();
		while (pace.released.length && pace.released[0] <= now - WINDOW_MS) pace.released.shift();
		const windowFreesAt = pace.released.length >= limit ? pace.released[0] + WINDOW_MS : now;
		const readyAt = Math.max(slot, windowFreesAt);
		if (readyAt <= now) break;
		await sleep(readyAt - now);
	}
	pace.released.push(monotonicNow());
}
