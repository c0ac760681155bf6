/**
 * The `callId`s this n8n process has accepted lately, so that a callback the service delivers
 * twice starts one execution. Per process and bounded (n8n may run several webhook processes:
 * each remembers what it received itself, see the README).
 */

/** At most this many, oldest forgotten first (about 3 MB): minutes of callbacks at 100/s. */
export const MAX_REMEMBERED_CALL_IDS = 20_000;

/** key (trigger and callId) → when it may be forgotten (ms): once the age check refuses it anyway. */
const remembered = new Map<string, number>();

function forgetExpired(now: number): void {
	for (const [key, forgetAfter] of remembered) {
		if (remembered.size <= MAX_REMEMBERED_CALL_IDS && forgetAfter >= now) return;
		remembered.delete(key);
	}
}

/**
 * Records a genuine callback's `callId` for one trigger (`scope`: its workflow and node) and
 * says whether it is the first delivery. Synchronous, so two deliveries arriving together
 * cannot both be first.
 */
export function isFirstDelivery(scope: string, callId: string, forgetAfter: number, now: number): boolean {
	forgetExpired(now);
	const key = `${scope}\n${callId}`;
	if (remembered.has(key)) return false;
	remembered.set(key, forgetAfter);
	return true;
}

/** How many callIds are remembered (for tests of the bound). */
export function rememberedCallIdCount(): number {
	return remembered.size;
}
