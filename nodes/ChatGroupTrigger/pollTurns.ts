/**
 * At most one poll per workflow and trigger node at a time in this process.
 *
 * n8n starts a poll on every tick of its schedule without asking whether the previous one has
 * ended; a poll that downloads files can outlast the interval, and two polls reading the same
 * state would emit the same files. A tick that finds a poll of its trigger running skips: it
 * emits nothing and leaves the state alone, and the next tick after the running poll ends finds
 * whatever that poll left. (In queue mode only the leader main polls; n8n's durable scheduler
 * fences polls across processes with its own leases.)
 */

/** A poll that has not ended after this long is taken to be lost; the next tick polls again. */
export const LOST_POLL_MS = 60 * 60_000;

/** More turns than this held at once means lost ones pile up: they are swept first. */
const SWEEP_ABOVE = 1_000;

export interface PollTurn {
	/** False once the turn was taken over from a poll taken to be lost: that poll must then change nothing. */
	readonly current: boolean;
	/** Ends the turn; the next tick may poll. */
	end(): void;
}

interface HeldTurn {
	readonly takenAt: number;
}

const held = new Map<string, HeldTurn>();

/** The key of a trigger: its workflow and its node. */
export function pollTurnKey(workflowId: string | undefined, nodeId: string): string {
	return `${workflowId ?? ''}\n${nodeId}`;
}

function sweepLostTurns(now: number): void {
	for (const [key, turn] of held) {
		if (now - turn.takenAt >= LOST_POLL_MS) held.delete(key);
	}
}

/** The turn to poll, or undefined when a poll of this trigger is still running. */
export function takePollTurn(key: string, now = Date.now()): PollTurn | undefined {
	const running = held.get(key);
	if (running && now - running.takenAt < LOST_POLL_MS) return undefined;
	if (held.size > SWEEP_ABOVE) sweepLostTurns(now);
	const turn: HeldTurn = { takenAt: now };
	held.set(key, turn);
	return {
		get current() {
			return held.get(key) === turn;
		},
		end() {
			if (held.get(key) === turn) held.delete(key);
		},
	};
}
