import { waitForRequestSlot } from '../../credentials/agora/requestBudget';

describe('request pacing per app key', () => {
	it('spaces requests 1/rate apart, in order, so no second holds more than the rate', async () => {
		const sentAt: number[] = [];
		await Promise.all(
			Array.from({ length: 60 }, async () => {
				await waitForRequestSlot('https://a41.chat.agora.io/org/app-a', 40);
				sentAt.push(Date.now());
			}),
		);
		for (let index = 1; index < sentAt.length; index++) {
			expect(sentAt[index] - sentAt[index - 1]).toBeGreaterThanOrEqual(20); // 25 ms apart, less timer slack
		}
		for (let index = 40; index < sentAt.length; index++) {
			expect(sentAt[index] - sentAt[index - 40]).toBeGreaterThanOrEqual(995);
		}
	});

	it('keeps separate paces per app key, and none at 0', async () => {
		const started = Date.now();
		await Promise.all([
			...Array.from({ length: 5 }, async () => await waitForRequestSlot('https://host/org/app-b', 50)),
			...Array.from({ length: 5 }, async () => await waitForRequestSlot('https://host/org/app-c', 50)),
			...Array.from({ length: 500 }, async () => await waitForRequestSlot('https://host/org/app-d', 0)),
		]);
		// Five requests at 50 per second take 80 ms whichever key: the keys do not queue behind each other.
		expect(Date.now() - started).toBeLessThan(250);
	});
});
