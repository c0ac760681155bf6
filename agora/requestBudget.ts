import { sleep } from 'n8n-workflow';

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
/** The pace never drops below this share of the ceiling (nor below 1 per second). */
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
}

export interface PacerTuning {
	decreaseFactor: number;
	increasePerSecond: number;
}

export const DEFAULT_TUNING: PacerTuning = { decreaseFactor: DECREASE_FACTOR, increasePerSecond: INCREASE_PER_SECOND };

export class AdaptivePacer {
	private rate: number;
	private nextSlot = 0;
	/** When requests actually left, over the last second. */
	private readonly released: number[] = [];
	/** Bumped by every decrease: answers to requests of an older round do not decrease again. */
	private round = 0;
	/** After a decrease nothing leaves before one new spacing has passed, the request at the head included. */
	private pausedUntil = 0;
	private queue: Promise<void> = Promise.resolve();

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

	/** A changed Requests per Second in the credential takes effect at once (a back-off under way stays). */
	setCeiling(ceiling: number): void {
		if (ceiling === this.ceiling) return;
		const atCeiling = this.rate >= this.ceiling;
		this.ceiling = ceiling;
		this.rate = atCeiling ? ceiling : Math.min(this.rate, ceiling);
		if (this.rate < this.minimumRate) this.rate = this.minimumRate;
	}

	private get minimumRate(): number {
		return Math.max(1, this.ceiling * MIN_RATE_SHARE);
	}

	/** Waits until a request may leave; requests leave in the order they asked. */
	async take(): Promise<PacerTicket> {
		if (!(this.ceiling > 0)) return { round: this.round };
		const turn = this.queue.then(async () => await this.waitForSlot());
		this.queue = turn.catch(() => undefined);
		await turn;
		return { round: this.round };
	}

	private async waitForSlot(): Promise<void> {
		// The slot is set when the request reaches the head of the queue: a changed rate applies to all that wait.
		const slot = Math.max(this.clock.now(), this.nextSlot);
		this.nextSlot = slot + WINDOW_MS / this.rate;
		for (;;) {
			const now = this.clock.now();
			while (this.released.length && this.released[0] <= now - WINDOW_MS) this.released.shift();
			const limit = Math.max(1, Math.floor(this.rate));
			const windowFreesAt = this.released.length >= limit ? this.released[this.released.length - limit] + WINDOW_MS : now;
			const readyAt = Math.max(slot, windowFreesAt, this.pausedUntil);
			if (readyAt <= now) break;
			await this.clock.sleep(readyAt - now);
		}
		this.released.push(this.clock.now());
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
