/** Every string reachable from a value, including an error's message, stack, description and causes. */
export function reachableStrings(value: unknown, seen = new Set<unknown>()): string[] {
	if (typeof value === 'string') return [value];
	if (Buffer.isBuffer(value)) return [value.toString('utf8')];
	if (!value || typeof value !== 'object' || seen.has(value)) return [];
	seen.add(value);
	const keys = new Set(Object.keys(value));
	if (value instanceof Error) ['message', 'stack', 'description', 'cause', 'context', 'messages', 'errorResponse'].forEach((key) => keys.add(key));
	return [...keys].flatMap((key) => reachableStrings((value as Record<string, unknown>)[key], seen));
}

/** Fails when any of `secrets` (or a long piece of one) appears anywhere in `value`. */
export function expectNoSecrets(value: unknown, secrets: string[]): void {
	const strings = reachableStrings(value);
	for (const secret of secrets) {
		const leaking = strings.filter((text) => text.includes(secret) || (secret.length >= 16 && text.includes(secret.slice(4, -4))));
		expect({ secret: `${secret.slice(0, 3)}…`, leaking }).toEqual({ secret: `${secret.slice(0, 3)}…`, leaking: [] });
	}
}
