import { AdaptivePacer, DECREASE_FACTOR, INCREASE_PER_SECOND, PacerWaitCancelled } from '../../agora/requestBudget';
import type { PacerTicket } from '../../agora/requestBudget';
import { FakeClock } from '../support/fakeClock';

/** The service's limit as the emulator keeps it: at most `limit` accepted within any second. */
function slidingWindow(clock: FakeClock, limit: number) {
	const accepted: number[] = [];
	return () => {
		const now = clock.now();
		while (accepted.length && accepted[0] <= now - 1000) accepted.shift();
		if (accepted.length >= limit) return false;
		accepted.push(now);
		return true;
	};
}

describe('the adaptive pacer of one app key', () => {
	it('spaces requests evenly at the credential\'s Requests per Second', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		const releasedAt: number[] = [];
		for (let index = 0; index < 10; index++) void pacer.take().then(() => releasedAt.push(clock.now()));
		await clock.advance(2000);
		expect(releasedAt).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
	});

	it('slows down on 429 reach_limit once per round, for the requests already waiting too', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(50, clock);
		const tickets: PacerTicket[] = [];
		const releasedAt: number[] = [];
		for (let index = 0; index < 4; index++) {
			void pacer.take().then((ticket) => {
				tickets.push(ticket);
				releasedAt.push(clock.now());
			});
		}
		await clock.advance(30); // two left, 20 ms apart, at 50/s
		expect(releasedAt).toEqual([0, 20]);
		pacer.rateLimited(tickets[0]);
		pacer.rateLimited(tickets[1]); // sent before the decrease: the same round, no second decrease
		expect(pacer.currentRate).toBeCloseTo(50 * DECREASE_FACTOR);
		await clock.advance(1000);
		// The two that were waiting leave at the new spacing, counted from the decrease.
		const spacing = 1000 / (50 * DECREASE_FACTOR);
		expect(releasedAt[2]).toBeCloseTo(30 + spacing, 0);
		expect(releasedAt[3] - releasedAt[2]).toBeCloseTo(spacing, 0);
		pacer.rateLimited(tickets[3]);
		expect(pacer.currentRate).toBeCloseTo(50 * DECREASE_FACTOR * DECREASE_FACTOR);
	});

	it('speeds back up while calls succeed, by about INCREASE_PER_SECOND per second, never past the ceiling', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(40, clock);
		pacer.rateLimited(await pacer.take());
		const slowed = pacer.currentRate;
		// One second of successes at the slowed pace.
		for (let index = 0; index < Math.round(slowed); index++) pacer.succeeded();
		expect(pacer.currentRate).toBeGreaterThan(slowed + INCREASE_PER_SECOND * 0.8);
		expect(pacer.currentRate).toBeLessThan(slowed + INCREASE_PER_SECOND * 1.2);
		for (let index = 0; index < 10_000; index++) pacer.succeeded();
		expect(pacer.currentRate).toBe(40);
	});

	it('follows a raised Requests per Second at once, unless it is backing off', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(20, clock);
		pacer.setCeiling(80);
		expect(pacer.currentRate).toBe(80);
		const ticket = await pacer.take();
		pacer.rateLimited(ticket);
		const backedOff = pacer.currentRate;
		expect(backedOff).toBeCloseTo(80 * DECREASE_FACTOR);
		// Slowed by the service: a higher ceiling does not undo the back-off.
		pacer.setCeiling(96);
		expect(pacer.currentRate).toBe(backedOff);
		pacer.setCeiling(40);
		expect(pacer.currentRate).toBe(40);
	});

	it('a Requests per Second below 1 stays below 1 after a 429 (issue 17, point 11)', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(0.5, clock);
		pacer.rateLimited(await pacer.take());
		expect(pacer.currentRate).toBeLessThanOrEqual(0.5);
		pacer.setCeiling(0.2);
		expect(pacer.currentRate).toBeLessThanOrEqual(0.2);
	});

	it('a turn given back no longer counts: the window is free again for others (issue 17, point 10)', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(2, clock);
		const unused = await pacer.take();
		await clock.advance(500);
		const used = await pacer.take();
		// Two turns in the last second: at 2 per second the next one waits for the window...
		let third: number | undefined;
		void pacer.take().then(() => (third = clock.now()));
		pacer.giveBack(unused);
		await clock.advance(600);
		// ...unless the unused one is given back: the third leaves one spacing after the second.
		expect(third).toBe(1000);
		expect(used.releasedAt).toBe(500);
		// One turn was given after it: a request still holding it is that much late.
		expect(pacer.turnsGivenSince(used)).toBe(1);
		expect(pacer.turnsGivenSince(unused)).toBe(2);
	});

	it('work under way (priority) goes before turns still waited for by work that has not begun, each in the order asked', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		const order: string[] = [];
		for (const name of ['a', 'b', 'c']) void pacer.take().then(() => order.push(name));
		await clock.settle();
		for (const name of ['x', 'y']) void pacer.take({ priority: true }).then(() => order.push(name));
		await clock.advance(1000);
		// "a" had its turn at once; the priority requests come next, then the rest in order.
		expect(order).toEqual(['a', 'x', 'y', 'b', 'c']);
	});

	it('a cancelled wait rejects at once and takes no turn: the next one in line gets it (issue 17, point 11)', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		await pacer.take();
		const controller = new AbortController();
		const releasedAt: Record<string, number> = {};
		const cancelled = pacer.take({ signal: controller.signal });
		void pacer.take().then(() => (releasedAt.next = clock.now()));
		controller.abort();
		await expect(cancelled).rejects.toBeInstanceOf(PacerWaitCancelled);
		await clock.advance(1000);
		expect(releasedAt.next).toBe(100);
		await expect(pacer.take({ signal: controller.signal })).rejects.toBeInstanceOf(PacerWaitCancelled);
	});

	it('never releases more than the current rate within a second, also after a stall', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(20, clock);
		const releasedAt: number[] = [];
		for (let index = 0; index < 60; index++) void pacer.take().then(() => releasedAt.push(clock.now()));
		await clock.advance(3500);
		for (const time of releasedAt) expect(releasedAt.filter((other) => other >= time && other < time + 1000).length).toBeLessThanOrEqual(20);
		expect(releasedAt).toHaveLength(60);
	});

	it('two processes sharing one app settle under the service\'s 100/s: few refusals, most of the budget used', async () => {
		const clock = new FakeClock();
		const serviceAccepts = slidingWindow(clock, 100);
		const workers = [new AdaptivePacer(96, clock), new AdaptivePacer(96, clock)];
		const counts = { accepted: 0, refused: 0 };
		let running = true;
		const loops = workers.map(async (pacer) => {
			while (running) {
				const ticket = await pacer.take();
				if (serviceAccepts()) {
					counts.accepted++;
					pacer.succeeded();
				} else {
					counts.refused++;
					pacer.rateLimited(ticket);
				}
			}
		});
		await clock.advance(60_000);
		running = false;
		await clock.advance(2_000);
		await Promise.all(loops);
		const refusedShare = counts.refused / (counts.accepted + counts.refused);
		const acceptedPerSecond = counts.accepted / 60;
		// Simulated time: 91 accepted per second and 1.6 % refused with the shipped tuning.
		expect(refusedShare).toBeLessThan(0.03);
		expect(acceptedPerSecond).toBeGreaterThan(85);
		expect(acceptedPerSecond).toBeLessThanOrEqual(100);
	});
});
