import { waitForRequestSlot } from '../../agora/requestBudget';

/** The largest number of times within any span of `spanMs`. */
function busiestSpan(times: number[], spanMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let busiest = 0;
	for (let first = 0, last = 0; first < sorted.length; first++) {
		while (last < sorted.length && sorted[last] < sorted[first] + spanMs) last++;
		busiest = Math.max(busiest, last - first);
	}
	return busiest;
}

describe('request pacing per app key', () => {
	it('never lets more than the rate leave within a second, and does not go slower than the rate', async () => {
		const releasedAt: number[] = [];
		const started = performance.now();
		await Promise.all(
			Array.from({ length: 60 }, async () => {
				await waitForRequestSlot('https://a41.chat.agora.io/org/app-a', 40);
				releasedAt.push(performance.now());
			}),
		);
		// The test notes each time a moment after the release: a busy machine may delay a note by a few ms.
		expect(busiestSpan(releasedAt, 950)).toBeLessThanOrEqual(40);
		// 60 requests at 40 per second, evenly spaced: the last leaves 59/40 s after the first.
		expect(performance.now() - started).toBeGreaterThanOrEqual(1450);
	});

	it('keeps separate paces per app key, and none at 0', async () => {
		const started = performance.now();
		await Promise.all([
			...Array.from({ length: 3 }, async () => await waitForRequestSlot('https://host/org/app-b', 5)),
			...Array.from({ length: 3 }, async () => await waitForRequestSlot('https://host/org/app-c', 5)),
			...Array.from({ length: 500 }, async () => await waitForRequestSlot('https://host/org/app-d', 0)),
		]);
		// Each key's third request leaves 400 ms after its first; one shared queue would take 1 s.
		expect(performance.now() - started).toBeLessThan(800);
	});
});
