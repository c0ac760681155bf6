/** How a credential gets its bearer token: the credential's Token Source field. */
export type TokenSource = 'appToken' | 'appCertificate' | 'clientCredentials';

/**
 * The credential's default, and so what a credential saved without the field means (n8n does not
 * store a value equal to its default). Every reader of the field uses this one value.
 */
export const DEFAULT_TOKEN_SOURCE: TokenSource = 'appCertificate';

export function tokenSourceOf(credentials: { tokenSource?: unknown }): TokenSource {
	const source = credentials.tokenSource;
	return source === 'appToken' || source === 'appCertificate' || source === 'clientCredentials' ? source : DEFAULT_TOKEN_SOURCE;
}
