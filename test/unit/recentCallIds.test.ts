type RecentCallIds = typeof import('../../nodes/ChatCallbackTrigger/recentCallIds');

/** A fresh module per test: the memory is per process. */
async function freshMemory(): Promise<RecentCallIds> {
	let loaded: RecentCallIds | undefined;
	await jest.isolateModulesAsync(async () => {
		loaded = await import('../../nodes/ChatCallbackTrigger/recentCallIds');
	});
	if (!loaded) throw new Error('not loaded');
	return loaded;
}

describe('the memory of recent callIds', () => {
	it('is bounded: the oldest are forgotten first, the newest are still known', async () => {
		const { isFirstDelivery, MAX_REMEMBERED_CALL_IDS, rememberedCallIdCount } = await freshMemory();
		const now = Date.now();
		const total = MAX_REMEMBERED_CALL_IDS + 500;
		for (let index = 0; index < total; index++) expect(isFirstDelivery('bound', `call-${index}`, Number.POSITIVE_INFINITY, now)).toBe(true);
		expect(rememberedCallIdCount()).toBeLessThanOrEqual(MAX_REMEMBERED_CALL_IDS + 1);
		expect(isFirstDelivery('bound', `call-${total - 1}`, Number.POSITIVE_INFINITY, now)).toBe(false);
		expect(isFirstDelivery('bound', 'call-0', Number.POSITIVE_INFINITY, now)).toBe(true);
	});

	it('forgets a callId once the age check would refuse it anyway; keeps triggers apart', async () => {
		const { isFirstDelivery, rememberedCallIdCount } = await freshMemory();
		const now = Date.now();
		expect(isFirstDelivery('a', 'x', now + 1000, now)).toBe(true);
		expect(isFirstDelivery('a', 'x', now + 1000, now + 500)).toBe(false);
		expect(isFirstDelivery('b', 'x', now + 1000, now + 500)).toBe(true);
		expect(isFirstDelivery('a', 'y', now + 10_000, now + 2000)).toBe(true);
		expect(rememberedCallIdCount()).toBe(1);
	});
});
