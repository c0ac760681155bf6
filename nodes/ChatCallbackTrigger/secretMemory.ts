/**
 * The callback secret, kept in this process's memory for a minute. Reading a credential costs n8n
 * a database round trip and a decryption, which under load took it from 10 ms to 750 ms (measured
 * in n8n 2.41.1): far too long for an answer the service wants at once, and paid on every callback.
 *
 * A callback that does not match the remembered secret is checked again against the credential as
 * it is now, so a changed secret applies to the first callback signed with it; the old secret is
 * accepted for at most SECRET_TTL_MS after the change, until a callback with the new one arrives.
 */

export const SECRET_TTL_MS = 60_000;
const MAX_REMEMBERED_SECRETS = 1000;

const remembered = new Map<string, { secret: string; readAt: number }>();

export function rememberedSecret(key: string, now: number): string | undefined {
	const entry = remembered.get(key);
	if (!entry) return undefined;
	if (now - entry.readAt > SECRET_TTL_MS || now < entry.readAt) {
		remembered.delete(key);
		return undefined;
	}
	return entry.secret;
}

export function rememberSecret(key: string, secret: string, now: number): void {
	remembered.delete(key);
	remembered.set(key, { secret, readAt: now });
	while (remembered.size > MAX_REMEMBERED_SECRETS) remembered.delete(remembered.keys().next().value as string);
}

export function forgetSecret(key: string): void {
	remembered.delete(key);
}
