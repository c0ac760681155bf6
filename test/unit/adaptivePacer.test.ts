import { AdaptivePacer, ANSWER_WAIT_CAP_MS, DECREASE_FACTOR, DEFAULT_REQUESTS_PER_SECOND, INCREASE_PER_SECOND, PacerWaitCancelled, UNSENT_TURN_CAP_MS } from '../../agora/requestBudget';
import type { PacerTicket } from '../../agora/requestBudget';
import { SlidingWindowRateLimiter, TokenBucketRateLimiter } from '../emulator/rate-limit';
import type { RateLimiter } from '../emulator/rate-limit';
import { FakeClock } from '../support/fakeClock';

/** The service's limit as the emulator keeps it (a rolling one-second window, or a token bucket), on the fake clock. */
function service(clock: FakeClock, limiter: RateLimiter, limit = 100) {
	const acceptedAt: number[] = [];
	let refused = 0;
	return {
		accepts(): boolean {
			const ok = limiter.tryAcquire('app', limit, clock.now());
			if (ok) acceptedAt.push(clock.now());
			else refused++;
			return ok;
		},
		acceptedAt,
		get refused() {
			return refused;
		},
	};
}

/** The most times within any `spanMs` (a rolling window, as the service counts). */
function busiest(times: number[], spanMs = 1000): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	for (let last = 0, first = 0; last < sorted.length; last++) {
		while (sorted[last] - sorted[first] >= spanMs) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}

/** Asks `pacer` for `count` turns at once; the times they were given, in order (`onTicket` runs on each). */
function takeEach(pacer: AdaptivePacer, clock: FakeClock, count: number, onTicket: (ticket: PacerTicket) => void): number[] {
	const givenAt: number[] = [];
	for (let index = 0; index < count; index++)
		void pacer.take().then((ticket) => {
			givenAt.push(clock.now());
			onTicket(ticket);
		});
	return givenAt;
}

/** A seeded generator, so a failing case is the same case every time. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

/**
 * `items` requests through `pacer` as n8n sends them: all ask at once; each reaches the service `travelMs()`
 * after it leaves (n8n's request path, a garbage collection, the network: uneven) and its answer comes back
 * `answerMs` later. A 429 is retried after half a second. Resolves with the time the last answer came.
 */
async function sendThrough(
	clock: FakeClock,
	pacer: AdaptivePacer,
	accepts: () => boolean,
	{ items, travelMs, answerMs = 2 }: { items: number; travelMs: () => number; answerMs?: number },
): Promise<number> {
	let lastAnswer = 0;
	const one = async () => {
		for (;;) {
			const ticket = await pacer.take();
			await clock.sleep(travelMs());
			const ok = accepts();
			await clock.sleep(answerMs);
			lastAnswer = clock.now();
			pacer.answered(ticket);
			if (ok) {
				pacer.succeeded(ticket);
				return;
			}
			pacer.rateLimited(ticket);
			await clock.sleep(500);
		}
	};
	let done = false;
	void Promise.all(Array.from({ length: items }, one)).then(() => {
		done = true;
	});
	// Bounded, so that a pacer that stalls fails the test instead of hanging it.
	for (let step = 0; !done; step++) {
		if (step > 2400) throw new Error(`not all ${items} requests were served within 10 minutes of simulated time`);
		await clock.advance(250);
	}
	return lastAnswer;
}

/** Travel times with the spread measured in a real n8n (a few ms; now and then tens of ms). */
function unevenTravel(seed: number): () => number {
	const next = random(seed);
	return () => {
		const r = next();
		return r < 0.02 ? 20 + 40 * next() : 1 + 4 * next();
	};
}

describe('the adaptive pacer of one app key', () => {
	it('lets the first requests of a second go at once, then each as a turn frees one second after its answer', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock, { minGapShare: 0 });
		const releasedAt: number[] = [];
		for (let index = 0; index < 12; index++) {
			void pacer.take().then(async (ticket) => {
				releasedAt.push(clock.now());
				await clock.sleep(20);
				pacer.succeeded(ticket);
			});
		}
		await clock.advance(3000);
		// Ten at once; the eleventh when the first one's answer (20 ms) is a second old, plus the 5 ms margin.
		expect(releasedAt.slice(0, 10)).toEqual(Array(10).fill(0));
		expect(releasedAt.slice(10)).toEqual([1025, 1025]);
	});

	it('spreads a second\'s turns over at least half of it by default, so that n8n need not send them all at the same moment', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		const releasedAt: number[] = [];
		for (let index = 0; index < 10; index++) void pacer.take().then(() => releasedAt.push(clock.now()));
		await clock.advance(1000);
		expect(releasedAt).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
	});

	it.each([
		['a rolling one-second window', () => new SlidingWindowRateLimiter()],
		['a token bucket of 100, refilled 100/s', () => new TokenBucketRateLimiter()],
	])('never has more than the budget reach %s, however unevenly requests travel, and fills it: 1,000 requests in under 9.8 s', async (_name, limiter) => {
		for (const seed of [1, 2, 3]) {
			const clock = new FakeClock();
			const theService = service(clock, limiter());
			// At the service's own 100/s, the credential's default.
			const pacer = new AdaptivePacer(100, clock);
			const end = await sendThrough(clock, pacer, theService.accepts, { items: 1000, travelMs: unevenTravel(seed) });
			expect({ seed, refused: theService.refused }).toEqual({ seed, refused: 0 });
			expect(busiest(theService.acceptedAt)).toBeLessThanOrEqual(100);
			// 1,000 requests at a steady 100/s would take 10 s: the empty second at the start is used.
			expect(end).toBeLessThan(9800);
			expect(end).toBeGreaterThanOrEqual(9000);
		}
	});

	it('defaults to the service\'s own 100 calls per second', () => {
		expect(DEFAULT_REQUESTS_PER_SECOND).toBe(100);
	});

	it('holds a turn until its answer is a second old: requests that reach the service late are not caught up with', async () => {
		const clock = new FakeClock();
		const theService = service(clock, new SlidingWindowRateLimiter(), 50);
		const pacer = new AdaptivePacer(50, clock, { minGapShare: 0 });
		// The first second's requests are held up on the way (300 ms: a busy machine at the start), the rest are not.
		let sent = 0;
		const end = await sendThrough(clock, pacer, theService.accepts, { items: 150, travelMs: () => (sent++ < 50 ? 300 : 0), answerMs: 2 });
		expect(theService.refused).toBe(0);
		expect(busiest(theService.acceptedAt)).toBeLessThanOrEqual(50);
		// The second 50 wait for the first 50's answers (302 ms) plus a second: counted from when they left, they would
		// have gone at 1 s and met the first 50 still in the service's second.
		expect(theService.acceptedAt[50]).toBeGreaterThanOrEqual(1302);
		expect(end).toBeLessThan(2700);
	});

	it('frees a turn that was given back at once, and one whose request was sent and never answered after ANSWER_WAIT_CAP_MS and a second', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(2, clock, { minGapShare: 0 });
		const first = await pacer.take();
		const second = await pacer.take();
		pacer.sending(second);
		let thirdAt: number | undefined;
		void pacer.take().then((third) => {
			thirdAt = clock.now();
			pacer.sending(third);
		});
		await clock.advance(100);
		expect(thirdAt).toBeUndefined();
		pacer.giveBack(first);
		await clock.advance(10);
		// At once: a turn given back wakes the pacer.
		expect(thirdAt).toBe(100);
		// The second is sent and never answered: it counts as reached the service at the cap, and for a second after.
		let fourthAt: number | undefined;
		void pacer.take().then(() => {
			fourthAt = clock.now();
		});
		await clock.advance(ANSWER_WAIT_CAP_MS + 2000);
		expect(second.turn).toBeDefined();
		expect(fourthAt).toBeGreaterThanOrEqual(ANSWER_WAIT_CAP_MS + 1000);
		expect(fourthAt).toBeLessThanOrEqual(ANSWER_WAIT_CAP_MS + 1000 + 10);
	});

	it('a turn given and neither used nor given back stops counting UNSENT_TURN_CAP_MS and a second after it was given', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(1, clock, { minGapShare: 0 });
		await pacer.take();
		const releasedAt = takeEach(pacer, clock, 1, () => undefined);
		await clock.advance(UNSENT_TURN_CAP_MS + 2000);
		expect(releasedAt).toEqual([UNSENT_TURN_CAP_MS + 1005]);
	});

	it('gives a turn given back at once, also when every other turn is answered and the pacer sleeps until the next frees (issue 21)', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(2, clock, { minGapShare: 0 });
		const first = await pacer.take();
		const second = await pacer.take();
		await clock.advance(10);
		pacer.answered(first);
		pacer.answered(second);
		let thirdAt: number | undefined;
		void pacer.take().then(() => (thirdAt = clock.now()));
		await clock.advance(90);
		// Both turns count until 1,015 ms; the third waits for one of them.
		expect(thirdAt).toBeUndefined();
		pacer.giveBack(first);
		await clock.advance(1);
		expect(thirdAt).toBe(100);
	});

	it('keeps the pace when every sleep ends late (n8n\'s thread busy preparing items): the schedule is caught up with (issue 21)', async () => {
		/** n8n's item loop with Request Options → Batching runs in chunks of about 75 ms: every timer fires that late. */
		class LateClock extends FakeClock {
			override async sleep(ms: number): Promise<void> {
				await super.sleep(ms + 75);
			}
		}
		const clock = new LateClock();
		const theService = service(clock, new SlidingWindowRateLimiter());
		const pacer = new AdaptivePacer(100, clock);
		const end = await sendThrough(clock, pacer, theService.accepts, { items: 500, travelMs: () => 2 });
		expect(theService.refused).toBe(0);
		expect(busiest(theService.acceptedAt)).toBeLessThanOrEqual(100);
		// One turn per late sleep would let about 12 a second leave (40 s for 500); caught up, the budget is used.
		expect(end).toBeLessThan(6000);
	});

	it('a turn taken ahead and sent after UNSENT_TURN_CAP_MS counts again while its request is out', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(2, clock, { minGapShare: 0 });
		const ahead = await pacer.take();
		const answeredAtOnce = (ticket: PacerTicket) => {
			pacer.sending(ticket);
			pacer.answered(ticket);
		};
		answeredAtOnce(await pacer.take());
		// Others take the second turn of the budget, one after another, each answered at once.
		const others = takeEach(pacer, clock, 3, answeredAtOnce);
		await clock.advance(UNSENT_TURN_CAP_MS + 1500);
		// The unsent turn stopped counting at UNSENT_TURN_CAP_MS and a second, when the third of the others got its turn.
		expect(others).toEqual([1005, 2010, UNSENT_TURN_CAP_MS + 1005]);
		// Now its request leaves after all: with the third's turn still counting, the budget of 2 is full.
		pacer.sending(ahead);
		const next = takeEach(pacer, clock, 1, (ticket) => pacer.sending(ticket));
		await clock.advance(400);
		expect(next).toEqual([]);
	});

	it('after a quiet spell, spreads the next turns again rather than sending the missed ones at once', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		await pacer.take();
		await clock.advance(5000);
		const releasedAt: number[] = [];
		for (let index = 0; index < 4; index++) void pacer.take().then(() => releasedAt.push(clock.now()));
		await clock.advance(1000);
		expect(releasedAt).toEqual([5000, 5050, 5100, 5150]);
	});

	it('a burst that begins moments after the last one is spread from its first turn too: nobody waited, nothing is caught up with', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(10, clock);
		await pacer.take();
		// The next slot was at 50; 70 ms after it (within the 100 ms a late wait may catch up with) a new burst asks.
		await clock.advance(120);
		const releasedAt = takeEach(pacer, clock, 3, () => undefined);
		await clock.advance(1000);
		expect(releasedAt).toEqual([120, 170, 220]);
	});

	it.each([
		// Taken ahead at 0, sent only at 1,500 (n8n's thread busy), answered at 2,600: counted from its grant it would
		// have freed at 3,005 while the request reached the service up to 2,600.
		['a turn taken ahead and sent late', 1500, 2600],
		// Sent at once, its credential read queued behind file writes: it reaches the service at 4,900, answered at 5,000.
		['a request held up inside n8n for seconds after it was sent', 0, 5000],
	])('%s keeps its turn until a second after its answer (issue 21)', async (_case, sentAt, answeredAt) => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(1, clock, { minGapShare: 0 });
		const ticket = await pacer.take();
		let nextAt: number | undefined;
		void pacer.take().then(() => (nextAt = clock.now()));
		await clock.advance(sentAt);
		pacer.sending(ticket);
		await clock.advance(answeredAt - sentAt);
		expect(nextAt).toBeUndefined();
		pacer.answered(ticket);
		await clock.advance(5000);
		expect(nextAt).toBe(answeredAt + 1005);
	});

	it('a turn whose answer never came stops counting ANSWER_WAIT_CAP_MS and a second after it was sent, and counts again if the answer comes after all (issue 21)', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(2, clock, { minGapShare: 0 });
		const slow = await pacer.take();
		pacer.sending(slow);
		const answeredAtOnce = (ticket: PacerTicket) => {
			pacer.sending(ticket);
			pacer.answered(ticket);
		};
		// The second of the budget of 2 at once, answered at once (it counts until 1,005); the next when it frees.
		const releasedAt = takeEach(pacer, clock, 2, answeredAtOnce);
		const capEnd = ANSWER_WAIT_CAP_MS + 1005;
		await clock.advance(capEnd + 95);
		expect(releasedAt).toEqual([0, 1005]);
		// Both have stopped counting: the slow one at capEnd, the other at 2,010. Now the slow answer comes.
		pacer.answered(slow);
		// Two more, sent and not answered yet.
		const unanswered = takeEach(pacer, clock, 2, (ticket) => pacer.sending(ticket));
		await clock.advance(2000);
		// The slow answer says its request reached the service by then: its turn counts a second again. With the budget
		// of 2 the first goes at once and the second when the slow turn frees, not at once beside it.
		expect(unanswered).toEqual([capEnd + 95, capEnd + 95 + 1005]);
	});

	it('slows down on 429 reach_limit once per round, for the requests already waiting too', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(50, clock, { minGapShare: 0 });
		const tickets: PacerTicket[] = [];
		for (let index = 0; index < 50; index++) tickets.push(await pacer.take());
		pacer.rateLimited(tickets[0]);
		pacer.rateLimited(tickets[1]); // sent before the decrease: the same round, no second decrease
		expect(pacer.currentRate).toBeCloseTo(50 * DECREASE_FACTOR);
		for (const ticket of tickets) pacer.answered(ticket);
		// The next leaves only when fewer than the new budget (42) can still count: 8 of the 50 must have freed.
		const releasedAt: number[] = [];
		for (let index = 0; index < 3; index++) void pacer.take().then(() => releasedAt.push(clock.now()));
		await clock.advance(2000);
		// At 42.5/s the budget is 42 turns within 42 / 42.5 s (plus the 5 ms margin), counted from the answers at 0.
		expect(releasedAt[0]).toBeCloseTo((42 / (50 * DECREASE_FACTOR)) * 1000 + 5, 3);
		const next = await pacer.take();
		pacer.rateLimited(next);
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

	it('keeps a Requests per Second below 1 below 1 after a 429', async () => {
		const clock = new FakeClock();
		const pacer = new AdaptivePacer(0.5, clock);
		pacer.rateLimited(await pacer.take());
		expect(pacer.currentRate).toBe(0.5);
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
		// Evenly spaced (a whole spacing between two turns), as this test was written for.
		const pacer = new AdaptivePacer(2, clock, { minGapShare: 1 });
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
		const pacer = new AdaptivePacer(10, clock, { minGapShare: 1 });
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
		// Each answered at once: an unanswered turn would count for ANSWER_WAIT_CAP_MS and a second.
		for (let index = 0; index < 60; index++)
			void pacer.take().then((ticket) => {
				releasedAt.push(clock.now());
				pacer.succeeded(ticket);
			});
		await clock.advance(3500);
		for (const time of releasedAt) expect(releasedAt.filter((other) => other >= time && other < time + 1000).length).toBeLessThanOrEqual(20);
		expect(releasedAt).toHaveLength(60);
	});

	it('two processes sharing one app settle under the service\'s 100/s: few refusals, most of the budget used', async () => {
		for (const [mode, makeLimiter] of [
			['window', () => new SlidingWindowRateLimiter()],
			['bucket', () => new TokenBucketRateLimiter()],
		] as const) {
			const clock = new FakeClock();
			const theService = service(clock, makeLimiter());
			const workers = [new AdaptivePacer(DEFAULT_REQUESTS_PER_SECOND, clock), new AdaptivePacer(DEFAULT_REQUESTS_PER_SECOND, clock)];
			const travel = unevenTravel(7);
			let running = true;
			const loops = workers.map(async (pacer) => {
				while (running) {
					const ticket = await pacer.take();
					await clock.sleep(travel());
					const ok = theService.accepts();
					await clock.sleep(2);
					if (ok) pacer.succeeded(ticket);
					else pacer.rateLimited(ticket);
				}
			});
			await clock.advance(60_000);
			running = false;
			await clock.advance(4_000);
			await Promise.all(loops);
			const accepted = theService.acceptedAt.length;
			const refusedShare = theService.refused / (accepted + theService.refused);
			// Simulated time: 88.6 accepted per second and 1.7 % refused (window), 94.9 and 1.4 % (bucket).
			expect({ mode, refused: refusedShare < 0.04, perSecond: accepted / 64 > 85 }).toEqual({ mode, refused: true, perSecond: true });
		}
	});
});
