/**
 * Turns of the app key's pace (agora/requestBudget.ts), as items take them. n8n prepares every
 * item before any request can leave, so each item takes its turn before it reads its own
 * parameters: the first request is not held up by the preparation of all the items after it.
 * A turn taken that way and not used promptly (the item then waited for the group's list, a name
 * lock, ...) is given back, and the request takes a fresh one: requests leave at the pace
 * whatever they waited for. A cancelled execution's items take no more turns.
 */
import { PacerWaitCancelled, pacerFor } from '../../../agora/requestBudget';
import type { AdaptivePacer, PacerTicket } from '../../../agora/requestBudget';
import type { AgoraApp } from './agoraApp';
import { AgoraCancelledError } from './retryPolicy';
import type { RetryBudget } from './retryPolicy';

/**
 * A turn taken ahead is used promptly when at most this many turns were given after it (the next
 * item's, while this one sent): a request that waited for something longer (the group's list, a
 * name lock) takes a fresh turn. Counted in turns, not milliseconds, so that a busy machine, whose
 * timers all fire late, does not make every turn look late.
 */
export const PROMPT_TURN_LIMIT = 1;

export function pacerOf(app: AgoraApp): AdaptivePacer {
	return pacerFor(app.baseUrl, app.requestsPerSecond);
}

async function take(pacer: AdaptivePacer, budget: RetryBudget, priority: boolean): Promise<PacerTicket> {
	try {
		return await pacer.take({ priority, signal: budget.signal });
	} catch (error) {
		throw error instanceof PacerWaitCancelled ? new AgoraCancelledError() : error;
	}
}

/** The turn an item took ahead, by its budget (one per item). */
const reservedTurns = new WeakMap<RetryBudget, { pacer: AdaptivePacer; ticket: PacerTicket }>();

/** Waits for the item's turn before it prepares its request. */
export async function reserveItemTurn(app: AgoraApp, budget: RetryBudget): Promise<void> {
	const pacer = pacerOf(app);
	reservedTurns.set(budget, { pacer, ticket: await take(pacer, budget, false) });
}

/** An item that ends (refused, failed) without using its turn gives it back. */
export function releaseItemTurn(budget: RetryBudget): void {
	const reserved = reservedTurns.get(budget);
	reservedTurns.delete(budget);
	reserved?.pacer.giveBack(reserved.ticket);
}

/**
 * The turn the next request of this item (or of a picker, a poll) leaves on: the one the item
 * took ahead if that was moments ago, else a fresh one. Work already under way goes before the
 * items still waiting for their first turn, unless it asks to wait `behindWaitingItems` (a look
 * after a lost answer: the items before it send first, so that one look serves them all).
 */
export async function turnForRequest(app: AgoraApp, budget: RetryBudget, behindWaitingItems = false): Promise<{ pacer: AdaptivePacer; ticket: PacerTicket }> {
	const pacer = pacerOf(app);
	const reserved = reservedTurns.get(budget);
	reservedTurns.delete(budget);
	if (reserved && reserved.pacer === pacer && pacer.turnsGivenSince(reserved.ticket) <= PROMPT_TURN_LIMIT) return reserved;
	if (reserved) reserved.pacer.giveBack(reserved.ticket);
	return { pacer, ticket: await take(pacer, budget, !behindWaitingItems) };
}
