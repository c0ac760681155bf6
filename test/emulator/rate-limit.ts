/**
 * "100 calls per second per App Key", in the two ways a gateway may count it. The service does not
 * say which it uses, so the node must hold in both:
 * - `window` (the default): at most N accepted within any one second (a sliding window on real time);
 * - `tokenBucket`: a bucket of N tokens, refilled continuously at N per second, one token per call.
 * A bucket lets a burst of N through after a quiet second and then N per second, so it accepts every
 * sequence the window accepts, and more (e.g. the window's N right after a bucket's N at the same pace).
 */
import type { RateLimitMode } from './types';

const WINDOW_MS = 1000;

export const RATE_LIMIT_MODES: readonly RateLimitMode[] = ['window', 'tokenBucket'];

export interface RateLimiter {
	/** Counts the request and says whether it may proceed; refused requests are not counted. */
	tryAcquire(key: string, limitPerSecond: number, nowMs: number): boolean;
	clear(): void;
}

export class SlidingWindowRateLimiter implements RateLimiter {
	private readonly acceptedAtByKey = new Map<string, number[]>();

	tryAcquire(key: string, limitPerSecond: number, nowMs: number): boolean {
		if (limitPerSecond <= 0) return true;
		let acceptedAt = this.acceptedAtByKey.get(key);
		if (!acceptedAt) {
			acceptedAt = [];
			this.acceptedAtByKey.set(key, acceptedAt);
		}
		while (acceptedAt.length > 0 && acceptedAt[0] <= nowMs - WINDOW_MS) acceptedAt.shift();
		if (acceptedAt.length >= limitPerSecond) return false;
		acceptedAt.push(nowMs);
		return true;
	}

	clear(): void {
		this.acceptedAtByKey.clear();
	}
}

export class TokenBucketRateLimiter implements RateLimiter {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();

	tryAcquire(key: string, limitPerSecond: number, nowMs: number): boolean {
		if (limitPerSecond <= 0) return true;
		// A new key starts with a full bucket; a changed limit caps what is in it.
		const bucket = this.buckets.get(key) ?? { tokens: limitPerSecond, at: nowMs };
		bucket.tokens = Math.min(limitPerSecond, bucket.tokens + (Math.max(0, nowMs - bucket.at) * limitPerSecond) / WINDOW_MS);
		bucket.at = Math.max(bucket.at, nowMs);
		this.buckets.set(key, bucket);
		if (bucket.tokens < 1) return false;
		bucket.tokens -= 1;
		return true;
	}

	clear(): void {
		this.buckets.clear();
	}
}

/** One limiter per mode, so that switching modes starts the new one fresh and keeps the other's state apart. */
export class RateLimiters {
	private readonly byMode: Record<RateLimitMode, RateLimiter> = {
		window: new SlidingWindowRateLimiter(),
		tokenBucket: new TokenBucketRateLimiter(),
	};

	tryAcquire(mode: RateLimitMode, key: string, limitPerSecond: number, nowMs: number): boolean {
		return this.byMode[mode].tryAcquire(key, limitPerSecond, nowMs);
	}

	clear(): void {
		for (const limiter of Object.values(this.byMode)) limiter.clear();
	}
}
