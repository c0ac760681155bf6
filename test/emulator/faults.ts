/** Queue of injected faults: each applies, in FIFO order, to the next matching request(s). */
import { OPERATIONS, type Fault, type Operation } from './types';

interface PendingFault {
	fault: Fault;
	remaining: number;
	skip: number;
}

export class FaultQueue {
	private pending: PendingFault[] = [];

	get size(): number {
		return this.pending.length;
	}

	add(fault: Fault): void {
		this.pending.push({ fault, remaining: fault.times ?? 1, skip: fault.skip ?? 0 });
	}

	/** The first queued fault for this operation, used up by one application. */
	take(operation: Operation): Fault | undefined {
		const index = this.pending.findIndex(
			({ fault }) => fault.operation === undefined || fault.operation === operation,
		);
		if (index < 0) return undefined;
		const entry = this.pending[index];
		if (entry.skip > 0) {
			entry.skip -= 1;
			return undefined;
		}
		entry.remaining -= 1;
		if (entry.remaining <= 0) this.pending.splice(index, 1);
		return entry.fault;
	}

	clear(): void {
		this.pending = [];
	}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
	return isPlainObject(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/** Checks a fault coming from a test or over the admin API; throws with the reason. */
export function validateFault(input: unknown): Fault {
	if (!isPlainObject(input)) throw new Error('A fault must be a JSON object');
	const { operation, times, skip, type } = input;
	if (operation !== undefined && !OPERATIONS.includes(operation as Operation)) {
		throw new Error(`Unknown fault operation "${String(operation)}"; use one of ${OPERATIONS.join(', ')}`);
	}
	if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) {
		throw new Error('Fault "times" must be an integer of at least 1');
	}
	if (skip !== undefined && !(Number.isInteger(skip) && (skip as number) >= 0)) {
		throw new Error('Fault "skip" must be an integer of at least 0');
	}
	switch (type) {
		case 'status': {
			const { status, error, description, headers, body, contentType } = input;
			if (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599) {
				throw new Error('A status fault needs "status" between 100 and 599');
			}
			for (const [name, value] of Object.entries({ error, description, body, contentType })) {
				if (value !== undefined && typeof value !== 'string') throw new Error(`Fault "${name}" must be a string`);
			}
			if (headers !== undefined && !isStringRecord(headers)) {
				throw new Error('Fault "headers" must map header names to strings');
			}
			if (input.phase !== undefined && input.phase !== 'beforeHandling' && input.phase !== 'afterHandling') {
				throw new Error('A status fault "phase" is beforeHandling or afterHandling');
			}
			break;
		}
		case 'reset': {
			const { phase } = input;
			if (phase !== undefined && phase !== 'beforeHandling' && phase !== 'afterHandling') {
				throw new Error('A reset fault "phase" is beforeHandling or afterHandling');
			}
			break;
		}
		case 'delay': {
			const { ms } = input;
			if (typeof ms !== 'number' || !(ms >= 0)) throw new Error('A delay fault needs "ms" of at least 0');
			break;
		}
		case 'truncate':
			break;
		default:
			throw new Error('Fault "type" must be status, reset, delay or truncate');
	}
	return input as unknown as Fault;
}
