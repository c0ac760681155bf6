/**
 * Whether a callback is genuine and fresh. The service signs every callback with the secret of
 * its callback rule: `security = md5_hex(callId + secret + timestamp)`.
 */
import { createHash, timingSafeEqual } from 'crypto';

import type { CallbackEnvelope } from './callbackFormats';

export function callbackSignature(callId: string, secret: string, timestampText: string): string {
	return createHash('md5').update(`${callId}${secret}${timestampText}`, 'utf8').digest('hex');
}

/** Compared in constant time, so that the answer's timing tells nothing about the right signature. */
export function hasValidSignature(callback: CallbackEnvelope, secret: string): boolean {
	const expected = Buffer.from(callbackSignature(callback.callId, secret, callback.timestampText), 'utf8');
	const received = Buffer.from(callback.security.trim().toLowerCase(), 'utf8');
	return received.length === expected.length && timingSafeEqual(received, expected);
}

/**
 * A callback older than `maxAgeMinutes` (0: no limit) is refused, so that a recorded callback
 * cannot be replayed later. One that claims to come from further in the future than that is
 * refused alike: a clock that far ahead is no clock the service keeps.
 */
export function isOutsideMaxAge(callback: CallbackEnvelope, maxAgeMinutes: number, now: number): boolean {
	if (!(maxAgeMinutes > 0)) return false;
	return Math.abs(now - callback.timestamp) > maxAgeMinutes * 60_000;
}
