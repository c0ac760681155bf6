import { sleep } from 'n8n-workflow';

import { onAbort } from './abortWatch';

/**
 * Agora Chat allows 100 calls per second per App Key and answers 429 `reach_limit` beyond
 * that, while n8n sends all of a node's items at once, and in queue mode several worker
 * processes send for the same app without knowing of each other (the node cannot reach Redis).
 *
 * So each process paces each app key on its own and adapts to the service's answers (AIMD):
 * - requests leave evenly spaced at the current rate, never more than the rate within any
 *   second of actual release (timers that fire late must not catch up all at once);
 * - a 429 `reach_limit` multiplies the rate by DECREASE_FACTOR, once per round (refusals of
 *   requests sent before the last decrease do not decrease again);
 * - every success adds INCREASE_PER_SECOND / rate, i.e. about INCREASE_PER_SECOND per second
 *   at full speed, back up to the credential's Requests per Second (the ceiling).
 * Two processes sharing one app thus settle near half the service's limit each.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 96;
export const DECREASE_FACTOR = 0.85;
export const INCREASE_PER_SECOND = 6;
/** The pace never drops below this share of the ceiling (nor below 1 per second, unless the ceiling is lower). */
export const MIN_RATE_SHARE = 0.05;
const WINDOW_MS = 1000;

export interface PacerClock {
	/** Monotonic milliseconds: a wall-clock change (NTP, a test's fake date) must not stall or rush requests. */
	now(): number;
	sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => performance.now(), sleep: async (ms) => await sleep(ms) };

/** What a request was sent under, so that its answer adjusts the pace of the right round. */
export interface PacerTicket {
	round: number;
	/** When the turn was given (the pacer's clock). */
	releasedAt: number;
	/** How many turns this pacer had given, this one included. */
	order: number;
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
}

export const DEFAULT_TUNING: PacerTuning = { decreaseFactor: DECREASE_FACTOR, increasePerSecond: INCREASE_PER_SECOND };

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
	private nextSlot = 0;
	/** When turns were given, over the last second (a turn given back is taken out). */
	private readonly released: number[] = [];
	/** Bumped by every decrease: answers to requests of an older round do not decrease again. */
	private round = 0;
	/** After a decrease nothing leaves before one new spacing has passed, the request at the head included. */
	private pausedUntil = 0;
	/** Waiting for a turn: priority waiters first, each class in the order it asked. */
	private readonly waiting: Waiter[] = [];
	private granting = false;
	/** Turns given so far. */
	private given = 0;

	constructor(
		private ceiling: number,
		private readonly clock: PacerClock = realClock,
		private readonly tuning: PacerTuning = DEFAULT_TUNING,
	) {
		this.rate = ceiling;
	}

	/** The current pace, requests per second. */
	get currentRate(): number {
		return this.rate;
	}

	/** The time between two turns at the current pace (0 with pacing off). */
	get intervalMs(): number {
		return this.ceiling > 0 ? WINDOW_MS / this.rate : 0;
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
	}

	/** Never above the ceiling: a Requests per Second below 1 stays below 1. */
	private get minimumRate(): number {
		return Math.min(this.ceiling, Math.max(1, this.ceiling * MIN_RATE_SHARE));
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
		try {
			while (this.waiting.length > 0) {
				// The slot is set when a request reaches the head: a changed rate applies to all that wait.
				const slot = Math.max(this.clock.now(), this.nextSlot);
				this.nextSlot = slot + WINDOW_MS / this.rate;
				await this.waitUntilFree(slot);
				const waiter = this.waiting.shift();
				if (!waiter) {
					// Everyone waiting was cancelled meanwhile: the slot stays free.
					this.nextSlot = slot;
					break;
				}
				const releasedAt = this.clock.now();
				this.released.push(releasedAt);
				waiter.grant({ round: this.round, releasedAt, order: ++this.given });
			}
		} finally {
			this.granting = false;
		}
	}

	private async waitUntilFree(slot: number): Promise<void> {
		for (;;) {
			const now = this.clock.now();
			while (this.released.length && this.released[0] <= now - WINDOW_MS) this.released.shift();
			const limit = Math.max(1, Math.floor(this.rate));
			const windowFreesAt = this.released.length >= limit ? this.released[this.released.length - limit] + WINDOW_MS : now;
			const readyAt = Math.max(slot, windowFreesAt, this.pausedUntil);
			if (readyAt <= now) return;
			await this.clock.sleep(readyAt - now);
		}
	}

	/** A turn that was not used (its request was not ready in time, or never came) no longer counts in the window. */
	giveBack(ticket: PacerTicket): void {
		const index = this.released.lastIndexOf(ticket.releasedAt);
		if (index >= 0) this.released.splice(index, 1);
	}

	/** The service answered 429 reach_limit to a request sent under `ticket`. */
	rateLimited(ticket: PacerTicket): void {
		if (!(this.ceiling > 0) || ticket.round !== this.round) return;
		this.round++;
		this.rate = Math.max(this.minimumRate, this.rate * this.tuning.decreaseFactor);
		// Requests already given a slot at the old pace wait for the new spacing.
		this.pausedUntil = this.clock.now() + WINDOW_MS / this.rate;
		this.nextSlot = Math.max(this.nextSlot, this.pausedUntil + WINDOW_MS / this.rate);
	}

	/** The service served a request: speed back up toward the ceiling. */
	succeeded(): void {
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
