/**
 * How long an item may keep trying: the retry policy (the node's Request Options) and the budget
 * every request of one item draws on, with the execution's cancel signal.
 */
import { sleep } from 'n8n-workflow';
import type { IExecuteSingleFunctions } from 'n8n-workflow';

import { onAbort } from '../../../agora/abortWatch';

import { executionIdOf, isItemContext } from './agoraApp';
import type { AgoraContext } from './agoraApp';
import type { AgoraFailure } from './errors';

export interface RetryPolicy {
	maxRetries: number;
	/** Max Total Retry Wait: retries begin only this long after the item's first attempt (wall time). */
	maxTotalWaitMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 4,
	maxTotalWaitMs: 60_000,
	baseDelayMs: 500,
	maxDelayMs: 15_000,
};

/** Every wait before a retry lasts at least this long (Retry-After: 0, pacing off): never a busy loop. */
export const MIN_RETRY_WAIT_MS = 100;

/** n8n's own default for a declarative node's request (Request Options > Timeout unset). */
export const DEFAULT_TIMEOUT_MS = 300_000;

function readNumber(context: IExecuteSingleFunctions, name: string, fallback: number): number {
	const value = context.getNodeParameter(`requestOptions.${name}`, fallback) as unknown;
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function readRetryPolicy(context: IExecuteSingleFunctions): RetryPolicy {
	return {
		...DEFAULT_RETRY_POLICY,
		maxRetries: Math.floor(readNumber(context, 'maxRetries', DEFAULT_RETRY_POLICY.maxRetries)),
		maxTotalWaitMs: readNumber(context, 'maxRetryWaitSeconds', DEFAULT_RETRY_POLICY.maxTotalWaitMs / 1000) * 1000,
	};
}

/**
 * Exponential backoff with jitter (50–100 % of the step), or the service's Retry-After; never
 * shorter than `floorMs` (at least MIN_RETRY_WAIT_MS, and the pace's own interval when longer).
 */
export function retryDelayMs(policy: RetryPolicy, retryNumber: number, failure: AgoraFailure, floorMs = MIN_RETRY_WAIT_MS): number {
	const floor = Math.max(MIN_RETRY_WAIT_MS, floorMs);
	if (failure.retryAfterMs !== undefined) return Math.max(floor, failure.retryAfterMs);
	const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
	return Math.max(floor, Math.round(step * (0.5 + Math.random() / 2)));
}

/** Thrown when the execution was cancelled while the node waited. */
export class AgoraCancelledError extends Error {
	constructor() {
		super('The execution was cancelled');
		this.name = 'AgoraCancelledError';
	}
}

/**
 * n8n 2.x's `sleep` takes a signal (and clears its timer on abort); 1.x's ignores it, so the
 * signal's own event ends the wait on both. Each wait has a signal of its own, linked to the
 * execution's through one watcher: many waits of one execution add no listeners to its signal.
 */
export async function abortableSleep(delayMs: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(delayMs);
	if (signal.aborted) throw new AgoraCancelledError();
	const thisWait = new AbortController();
	await new Promise<void>((resolve, reject) => {
		const stopWatching = onAbort(signal, () => {
			thisWait.abort();
			reject(new AgoraCancelledError());
		});
		sleep(delayMs, thisWait.signal).then(
			() => {
				stopWatching();
				resolve();
			},
			() => undefined,
		);
	});
}

/**
 * What one item may still spend on retries, shared by every request made for it (a look-up
 * inside an upload draws on the same Max Total Retry Wait), and the execution's cancel signal.
 * Max Total Retry Wait is wall time from the item's first attempt: slow attempts count too.
 */
export class RetryBudget {
	private policyRead?: RetryPolicy;
	private firstAttemptAt?: number;

	/** `policy` may be a reader: an item's Request Options are read only when a retry is considered. */
	constructor(
		private readonly policySource: RetryPolicy | (() => RetryPolicy) = DEFAULT_RETRY_POLICY,
		readonly signal?: AbortSignal,
		private readonly now: () => number = () => performance.now(),
	) {}

	get policy(): RetryPolicy {
		this.policyRead ??= typeof this.policySource === 'function' ? this.policySource() : this.policySource;
		return this.policyRead;
	}

	/** Marks the item's first attempt; time before it (waiting for a turn of the pace) does not count. */
	attemptStarting(): void {
		this.firstAttemptAt ??= this.now();
	}

	/** Wall time since the item's first attempt. */
	get elapsedMs(): number {
		return this.firstAttemptAt === undefined ? 0 : this.now() - this.firstAttemptAt;
	}

	/** Whether a retry after a wait of `delayMs` still begins within Max Total Retry Wait. */
	allows(delayMs: number): boolean {
		return this.elapsedMs + delayMs <= this.policy.maxTotalWaitMs;
	}

	/** Waits, and stops at once when the execution is cancelled (n8n 1.x's `sleep` takes no signal). */
	async wait(delayMs: number): Promise<void> {
		this.attemptStarting();
		await abortableSleep(delayMs, this.signal);
	}

	throwIfCancelled(): void {
		if (this.signal?.aborted) throw new AgoraCancelledError();
	}
}

/** Per process: a cancel signal for each running execution whose node contexts bring none, bounded. */
const MAX_WATCHED_EXECUTIONS = 500;
const cancelByExecution = new Map<string, AbortController>();

/**
 * The execution's cancel signal. n8n gives declarative nodes none (n8n-core runs them without
 * one, 2.41 included); in n8n 2.x the end of the execution (finished, failed or cancelled by the
 * user) is still announced to `onExecutionFinish`, which then cancels what the node still waits for.
 */
export function executionCancelSignal(context: AgoraContext): AbortSignal | undefined {
	const withSignal = context as { getExecutionCancelSignal?: () => AbortSignal | undefined };
	const own = typeof withSignal.getExecutionCancelSignal === 'function' ? withSignal.getExecutionCancelSignal() : undefined;
	if (own || !isItemContext(context) || typeof context.onExecutionFinish !== 'function') return own;
	const executionId = executionIdOf(context);
	if (!executionId) return undefined;
	let controller = cancelByExecution.get(executionId);
	if (!controller) {
		const created = new AbortController();
		controller = created;
		cancelByExecution.set(executionId, created);
		context.onExecutionFinish(() => {
			created.abort();
			if (cancelByExecution.get(executionId) === created) cancelByExecution.delete(executionId);
		});
		while (cancelByExecution.size > MAX_WATCHED_EXECUTIONS) cancelByExecution.delete(cancelByExecution.keys().next().value as string);
	}
	return controller.signal;
}

/** Per node run (n8n's execute data, alive while the run is), the budget of each item by its index. */
const itemBudgets = new WeakMap<object, Map<number, RetryBudget>>();

/**
 * The budget of the item a declarative context runs for, shared by every context of that item
 * (the item hook's, the item's own, a look-up's).
 */
export function itemRetryBudget(context: IExecuteSingleFunctions): RetryBudget {
	const run = (context.getExecuteData() as object | undefined) ?? context;
	const byItem = itemBudgets.get(run) ?? new Map<number, RetryBudget>();
	itemBudgets.set(run, byItem);
	const itemIndex = context.getItemIndex();
	const existing = byItem.get(itemIndex);
	if (existing) return existing;
	const budget = new RetryBudget(() => readRetryPolicy(context), executionCancelSignal(context));
	byItem.set(itemIndex, budget);
	return budget;
}

/** The item is done: its budget (which holds its context) is not kept for the rest of the node's run. */
export function forgetItemRetryBudget(context: IExecuteSingleFunctions): void {
	itemBudgets.get((context.getExecuteData() as object | undefined) ?? context)?.delete(context.getItemIndex());
}

/** An item's budget, or for other contexts (pickers, polls) a fresh one with the default policy. */
export function budgetFor(context: AgoraContext): RetryBudget {
	return isItemContext(context) ? itemRetryBudget(context) : new RetryBudget(DEFAULT_RETRY_POLICY, executionCancelSignal(context));
}
