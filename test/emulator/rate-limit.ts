/** "100 calls per second per App Key": a sliding one-second window per key, on real time. */
const WINDOW_MS = 1000;

export class SlidingWindowRateLimiter {
	private readonly acceptedAtByKey = new Map<string, number[]>();

	/** Counts the request and says whether it may proceed; refused requests are not counted. */
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
