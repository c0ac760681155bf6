/**
 * The node's request API in one import, for the trigger (nodes/ChatGroupTrigger) and older
 * imports. Each piece lives in the file named for its concern:
 * - agoraApp.ts: the app a credential points at;
 * - retryPolicy.ts: the retry policy and each item's budget (and the execution's cancel signal);
 * - pacingTurns.ts: turns of the app key's pace;
 * - sendAndJudge.ts: the send-and-judge loop (`agoraRequest`);
 * - itemHook.ts: the hook every declarative operation goes through, and output helpers.
 */
export { CREDENTIAL_TYPE, resolveApp } from './agoraApp';
export type { AgoraApp, AgoraContext } from './agoraApp';
export { envelopeData, itemRequest, pairedWith, sendWithRetries, singleResult, withRetries } from './itemHook';
export { abortableSleep, AgoraCancelledError, DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT_MS, readRetryPolicy, RetryBudget, retryDelayMs } from './retryPolicy';
export type { RetryPolicy } from './retryPolicy';
export { agoraRequest, judgeResponse } from './sendAndJudge';
export type { AgoraRequest, AgoraRequestOptions, RetryHooks } from './sendAndJudge';
