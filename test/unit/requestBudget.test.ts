import { pacerFor, waitForRequestSlot } from '../../agora/requestBudget';

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
	it('never lets more than the rate leave within a second; the first ones go without waiting for their spacing', async () => {
		const releasedAt: number[] = [];
		const pacer = pacerFor('https://a41.chat.agora.io/org/app-a', 40);
		await Promise.all(
			Array.from({ length: 60 }, async () => {
				const ticket = await pacer.take();
				releasedAt.push(performance.now());
				pacer.succeeded(ticket);
			}),
		);
		// The test notes each time a moment after the release: a busy machine may delay a note by a few ms.
		expect(busiestSpan(releasedAt, 950)).toBeLessThanOrEqual(40);
		// The first 40 spread over the first half second, the 41st a second after the first one's answer.
		expect(releasedAt[40] - releasedAt[0]).toBeGreaterThanOrEqual(1000);
	});

	it('keeps separate paces per app key, and none at 0', async () => {
		const started = performance.now();
		await Promise.all([
			...Array.from({ length: 3 }, async () => await waitForRequestSlot('https://host/org/app-b', 5)),
			...Array.from({ length: 3 }, async () => await waitForRequestSlot('https://host/org/app-c', 5)),
			...Array.from({ length: 500 }, async () => await waitForRequestSlot('https://host/org/app-d', 0)),
		]);
		// Each key's third request leaves 200 ms after its first; one shared queue would take 1 s.
		expect(performance.now() - started).toBeLessThan(800);
	});
});
