import { sleep } from 'n8n-workflow';

import { onAbort } from './abortWatch';

/**
 * Agora Chat allows 100 calls per second per App Key and answers 429 `reach_limit` beyond
 * that, while n8n sends all of a node's items at once, and in queue mode several worker
 * processes send for the same app without knowing of each other (the node cannot reach Redis).
 *
 * So each process paces each app key on its own, as a budget of calls per second, and adapts it
 * to the service's answers (AIMD):
 * - at a rate of N per second, a request may leave when fewer than N of this process's requests
 *   can still be inside the service's current second. A request is counted by the service some
 *   time after it leaves here and before its answer comes back, so it occupies its turn until one
 *   second after its answer (while no answer has come, until ANSWER_WAIT_CAP_MS after it was sent
 *   and a second; an answer that comes later still holds the turn a second after it; a turn never
 *   used, UNSENT_TURN_CAP_MS after it was given). The
 *   service's own second then never holds more than N of ours, however unevenly the requests
 *   travel (n8n's request path, garbage collection, the network), whether it counts with a rolling
 *   one-second window or a bucket of N refilled N per second;
 * - within that budget a request leaves as soon as it asks, no closer to the one before than half
 *   the spacing of the rate (5 ms at 100/s): a second's first N go within its first half (spaced
 *   evenly at the rate they would wait for turns nothing else uses), and n8n, which prepares every
 *   request on one thread, is never handed N at the same moment (they would queue behind one another
 *   in n8n, and their answers, which free the next turns, would come late);
 * - turns are given in the order asked, except that a later request of work already under way (an
 *   item's next request, a retry) goes before the turns still waited for by work not begun; a wait
 *   can be cancelled (it takes no turn), and a turn given back (its request never left) stops counting;
 * - a 429 `reach_limit` multiplies the rate by DECREASE_FACTOR, once per round (refusals of
 *   requests sent before the last decrease do not decrease again);
 * - every success adds INCREASE_PER_SECOND / rate, i.e. about INCREASE_PER_SECOND per second
 *   at full speed, back up to the credential's Requests per Second (the ceiling).
 * Two processes sharing one app thus settle near half the service's limit each.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 100;
export const DECREASE_FACTOR = 0.85;
export const INCREASE_PER_SECOND = 6;
/** The pace never drops below this share of the ceiling, nor below 1 per second unless the ceiling is. */
export const MIN_RATE_SHARE = 0.05;
/**
 * A sent request with no answer after this long is taken to have reached the service by then (it
 * may never answer). Generous: a request can wait seconds inside n8n after the node sent it (its
 * credential read queued behind the binary store's file writes while n8n's Batching option runs
 * its item loop between the answers); at 2 s, 205 requests held up that way reached the service
 * in the same second as the ones their turns were given to (10,000 downloads, 429 for each).
 */
export const ANSWER_WAIT_CAP_MS = 30_000;
/**
 * A turn given and neither used nor given back (a caller that never says) counts this long after it
 * was given, and a second. A turn taken ahead and used later is given back for a fresh one if
 * other turns were given meanwhile (pacingTurns.ts); one used after this long counts again from
 * when it is sent.
 */
export const UNSENT_TURN_CAP_MS = 2000;
const SECOND_MS = 1000;
/**
 * How far the minimum gap's schedule may be caught up with after a late sleep. In n8n's item loop
 * (with Request Options → Batching) a sleep of a few ms ends 50–100 ms late: one turn per sleep
 * would let about 10 requests a second leave while it runs.
 */
export const MAX_CATCH_UP_MS = 100;
/** The longest single sleep of the granting loop: a turn may wait ANSWER_WAIT_CAP_MS and more for its answer. */
const SLEEP_SLICE_MS = 1000;

export interface PacerClock {
	/** Monotonic milliseconds: a wall-clock change (NTP, a test's fake date) must not stall or rush requests. */
	now(): number;
	sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => performance.now(), sleep: async (ms) => await sleep(ms) };

/** One request's turn: when it was given, when its request was sent (a turn may be taken ahead), and when its answer came. */
interface Turn {
	leftAt: number;
	sentAt?: number;
	answeredAt?: number;
	givenBack?: boolean;
}

/** What a request was sent under, so that its answer adjusts the pace of the right round and frees its turn. */
export interface PacerTicket {
	round: number;
	/** When the turn was given (the pacer's clock). */
	releasedAt: number;
	/** How many turns this pacer had given, this one included. */
	order: number;
	/** The turn as the pacer counts it (none with pacing off). */
	turn?: Turn;
}

export interface TakeOptions {
	/**
	 * A later request of work already under way (an item's second request, a retry): it goes
	 * before the turns still waited for by work that has not begun, in the order asked.
	 */
	priority?: boolean;
	/** Cancels the wait: the turn is not taken, and the promise rejects at once. */
	signal?: AbortSignal;
}

export interface PacerTuning {
	decreaseFactor: number;
	increasePerSecond: number;
	/** Added to the second a turn is held after its answer (clock granularity between here and the service). */
	marginMs: number;
	/** Least time between two requests leaving, as a share of the spacing at the current rate (0: a burst leaves at once). */
	minGapShare: number;
}

export const DEFAULT_TUNING: PacerTuning = {
	decreaseFactor: DECREASE_FACTOR,
	increasePerSecond: INCREASE_PER_SECOND,
	// The service's clock and ours tick apart by up to a millisecond or so.
	marginMs: 5,
	minGapShare: 0.5,
};

interface Waiter {
	priority: boolean;
	grant: (ticket: PacerTicket) => void;
}

/** Rejects a wait that was cancelled; the caller turns it into its own error. */
export class PacerWaitCancelled extends Error {
	constructor() {
		super('The wait for a turn was cancelled');
		this.name = 'PacerWaitCancelled';
	}
}

export class AdaptivePacer {
	private rate: number;
	/** Turns that may still count in the service's current second, in the order they left (a turn given back is taken out). */
	private readonly turns: Turn[] = [];
	/** Bumped by every decrease: answers to requests of an older round do not decrease again. */
	private round = 0;
	/** After a decrease nothing leaves before one new spacing has passed, the request at the head included. */
	private pausedUntil = 0;
	/**
	 * The earliest the next turn may leave by the minimum gap, kept on its own schedule rather than
	 * counted from when the last turn actually left: a sleep that ends late (n8n's thread busy
	 * preparing items) is caught up with, by at most MAX_CATCH_UP_MS of turns at once.
	 */
	private nextSlotAt = -Infinity;
	/** Waiting for a turn: priority waiters first, each class in the order it asked. */
	private readonly waiting: Waiter[] = [];
	private granting = false;
	/** Ends the granting loop's sleep early: an answer, a turn given back or a new ceiling may free a turn sooner. */
	private wake: (() => void) | undefined;
	/** Turns given so far. */
	private given = 0;
	private readonly tuning: PacerTuning;

	constructor(
		private ceiling: number,
		private readonly clock: PacerClock = realClock,
		tuning: Partial<PacerTuning> = {},
	) {
		this.rate = ceiling;
		this.tuning = { ...DEFAULT_TUNING, ...tuning };
	}

	/** The current pace, requests per second. */
	get currentRate(): number {
		return this.rate;
	}

	/** The time between two turns at the current pace (0 with pacing off). */
	get intervalMs(): number {
		return this.ceiling > 0 ? SECOND_MS / this.rate : 0;
	}

	/** How many turns were given after this one: a turn used after others is late. */
	turnsGivenSince(ticket: PacerTicket): number {
		return this.given - ticket.order;
	}

	/** A changed Requests per Second in the credential takes effect at once (a back-off under way stays). */
	setCeiling(ceiling: number): void {
		if (ceiling === this.ceiling) return;
		const atCeiling = this.rate >= this.ceiling;
		this.ceiling = ceiling;
		this.rate = atCeiling ? ceiling : Math.min(this.rate, ceiling);
		if (this.rate < this.minimumRate) this.rate = this.minimumRate;
		this.wake?.();
	}

	/** Never above the ceiling: a Requests per Second below 1 stays below 1. */
	private get minimumRate(): number {
		return Math.min(this.ceiling, Math.max(1, this.ceiling * MIN_RATE_SHARE));
	}

	/**
	 * The budget at the current rate: at most `count` turns within `spanMs`. A whole number of
	 * requests within the time they take at the rate (96.5/s: 96 in 995 ms; 0.5/s: 1 in 2 s).
	 */
	private get budget(): { count: number; spanMs: number } {
		const count = Math.max(1, Math.floor(this.rate));
		return { count, spanMs: (count * SECOND_MS) / this.rate };
	}

	/**
	 * When a turn stops counting: one budget span after its answer (the request reached the service
	 * before it, however late it was sent), or, while none has come, after the latest its answer is
	 * waited for, counted from when it was sent.
	 */
	private freesAt(turn: Turn, spanMs: number): number {
		const counted = turn.answeredAt ?? (turn.sentAt === undefined ? turn.leftAt + UNSENT_TURN_CAP_MS : turn.sentAt + ANSWER_WAIT_CAP_MS);
		return counted + spanMs + this.tuning.marginMs;
	}

	/** Waits until a request may leave; requests leave in the order they asked (priority ones first). */
	async take(options: TakeOptions = {}): Promise<PacerTicket> {
		const { priority = false, signal } = options;
		if (signal?.aborted) throw new PacerWaitCancelled();
		if (!(this.ceiling > 0)) return { round: this.round, releasedAt: this.clock.now(), order: this.given };
		return await new Promise<PacerTicket>((resolve, reject) => {
			const stopWatching = signal
				? onAbort(signal, () => {
						const index = this.waiting.indexOf(waiter);
						if (index >= 0) this.waiting.splice(index, 1);
						reject(new PacerWaitCancelled());
					})
				: () => undefined;
			const waiter: Waiter = {
				priority,
				grant: (ticket) => {
					stopWatching();
					resolve(ticket);
				},
			};
			const firstOrdinary = priority ? this.waiting.findIndex((other) => !other.priority) : -1;
			if (firstOrdinary >= 0) this.waiting.splice(firstOrdinary, 0, waiter);
			else this.waiting.push(waiter);
			void this.grantInTurn();
		});
	}

	/** Gives the turns one by one, to whoever is first when each turn comes. */
	private async grantInTurn(): Promise<void> {
		if (this.granting) return;
		this.granting = true;
		// Nobody was waiting: no turns were missed, so the schedule starts now (a burst is spread from its first turn).
		this.nextSlotAt = Math.max(this.nextSlotAt, this.clock.now());
		try {
			while (this.waiting.length > 0) {
				await this.waitUntilFree();
				// Everyone waiting may have been cancelled meanwhile: then the turn stays free.
				const waiter = this.waiting.shift();
				if (!waiter) break;
				const turn: Turn = { leftAt: this.clock.now() };
				const behind = this.nextSlotAt >= turn.leftAt - MAX_CATCH_UP_MS;
				this.nextSlotAt = (behind ? this.nextSlotAt : turn.leftAt) + (this.tuning.minGapShare * SECOND_MS) / this.rate;
				this.turns.push(turn);
				// The round as the request leaves: only a refusal of a request sent after the last decrease decreases again.
				waiter.grant({ round: this.round, releasedAt: turn.leftAt, order: ++this.given, turn });
			}
		} finally {
			this.granting = false;
		}
	}

	/**
	 * Checked for the request at the head, so a changed rate applies to all that wait. It sleeps
	 * until the next turn frees at the latest, and is woken when something may free one sooner
	 * (an answer, a turn given back, a raised ceiling): a turn given back is given again at once,
	 * and there are no periodic looks, which cost a sleep each (in the 2,000-file mirror's heap
	 * profile, 39 MiB of short-lived garbage).
	 */
	private async waitUntilFree(): Promise<void> {
		for (;;) {
			const now = this.clock.now();
			const { count, spanMs } = this.budget;
			// Drops the turns that no longer count; notes when the next one frees.
			let kept = 0;
			let nextFreesAt = Infinity;
			for (const turn of this.turns) {
				const freesAt = this.freesAt(turn, spanMs);
				if (freesAt <= now) continue;
				this.turns[kept++] = turn;
				nextFreesAt = Math.min(nextFreesAt, freesAt);
			}
			this.turns.length = kept;
			let readyAt = Math.max(this.pausedUntil, this.nextSlotAt);
			// Full: wait for the next turn to free (after a decrease several may have to, one after the other).
			if (kept >= count) readyAt = Math.max(readyAt, nextFreesAt);
			if (readyAt <= now) return;
			// In slices: a sleep cut short by a wake still holds its timer until it ends (n8n's sleep cannot be cancelled).
			await this.sleepUnlessWoken(Math.min(readyAt - now, SLEEP_SLICE_MS));
		}
	}

	private async sleepUnlessWoken(ms: number): Promise<void> {
		await new Promise<void>((resolve) => {
			this.wake = resolve;
			// The clock's sleep cannot be cancelled: when woken first, it resolves a promise already settled.
			void this.clock.sleep(ms).then(resolve);
		});
		this.wake = undefined;
	}

	/** The request sent under `ticket` has its answer (whatever it says): its turn counts for one more second. */
	answered(ticket: PacerTicket): void {
		const turn = ticket.turn;
		if (!turn || turn.answeredAt !== undefined) return;
		turn.answeredAt = this.clock.now();
		// An answer slower than ANSWER_WAIT_CAP_MS: the turn had stopped counting, and counts again for a second.
		this.countAgain(turn);
		this.wake?.();
	}

	/** The request of `ticket` is being sent now (a turn taken ahead may be used a while after it was given). */
	sending(ticket: PacerTicket): void {
		if (!ticket.turn) return;
		ticket.turn.sentAt = this.clock.now();
		// A turn taken ahead that had stopped counting (UNSENT_TURN_CAP_MS) counts again while its request is out.
		this.countAgain(ticket.turn);
	}

	/** A turn dropped as no longer counting is counted again when its use shows it does (never one given back). */
	private countAgain(turn: Turn): void {
		if (!turn.givenBack && !this.turns.includes(turn)) this.turns.push(turn);
	}

	/** A turn that was not used (its request was not ready in time, or never came) no longer counts. */
	giveBack(ticket: PacerTicket): void {
		if (ticket.turn) ticket.turn.givenBack = true;
		const index = ticket.turn ? this.turns.indexOf(ticket.turn) : -1;
		if (index >= 0) {
			this.turns.splice(index, 1);
			this.wake?.();
		}
	}

	/** The service answered 429 reach_limit to a request sent under `ticket`. */
	rateLimited(ticket: PacerTicket): void {
		this.answered(ticket);
		if (!(this.ceiling > 0) || ticket.round !== this.round) return;
		this.round++;
		this.rate = Math.max(this.minimumRate, this.rate * this.tuning.decreaseFactor);
		// Requests already waiting leave no sooner than one spacing of the new pace from now.
		this.pausedUntil = this.clock.now() + SECOND_MS / this.rate;
	}

	/** The service served the request sent under `ticket`: speed back up toward the ceiling. */
	succeeded(ticket?: PacerTicket): void {
		if (ticket) this.answered(ticket);
		if (!(this.ceiling > 0) || this.rate >= this.ceiling) return;
		this.rate = Math.min(this.ceiling, this.rate + this.tuning.increasePerSecond / this.rate);
	}
}

/** Per process and app key, bounded: an app not used for a while is forgotten first. */
const MAX_PACED_APPS = 100;
const pacers = new Map<string, AdaptivePacer>();

export function pacerFor(appKey: string, perSecond: number): AdaptivePacer {
	let pacer = pacers.get(appKey);
	if (pacer) {
		pacers.delete(appKey);
		pacer.setCeiling(perSecond);
	} else {
		pacer = new AdaptivePacer(perSecond);
	}
	pacers.set(appKey, pacer);
	while (pacers.size > MAX_PACED_APPS) pacers.delete(pacers.keys().next().value as string);
	return pacer;
}

/** Waits until a request of this app key may leave. */
export async function waitForRequestSlot(appKey: string, perSecond: number): Promise<PacerTicket> {
	return await pacerFor(appKey, perSecond).take();
}
