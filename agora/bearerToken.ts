import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestHelper } from 'n8n-workflow';

import { buildChatAppToken } from './accessToken2';
import { AgoraCredentialInputError, agoraAppUrl, parseAgoraApp } from './appUrl';
import { tokenSourceOf } from './tokenSource';

export type { TokenSource } from './tokenSource';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function tokenTtlSeconds(credentials: ICredentialDataDecryptedObject): number {
	const ttl = Number(credentials.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
	return Number.isFinite(ttl) && ttl > 0 ? Math.floor(ttl) : DEFAULT_TOKEN_TTL_SECONDS;
}

/** Per-process caches hold this many credentials at most. */
const MAX_CACHED_CREDENTIALS = 100;

/**
 * Tokens built from the certificate, reused within one process while they have more than a
 * fifth of their life left. Keyed by a hash so the certificate itself is not kept as a key.
 */
const builtTokens = new Map<string, { token: string; renewAt: number }>();

function appCertificateToken(credentials: ICredentialDataDecryptedObject): string {
	const appId = text(credentials.appId);
	const appCertificate = text(credentials.appCertificate);
	const ttlSeconds = tokenTtlSeconds(credentials);
	const cacheKey = createHash('sha256').update(`${appId}\n${appCertificate}\n${ttlSeconds}`).digest('hex');
	const now = Date.now();
	const cached = builtTokens.get(cacheKey);
	if (cached && cached.renewAt > now) return cached.token;
	const token = buildChatAppToken(appId, appCertificate, ttlSeconds);
	builtTokens.delete(cacheKey);
	builtTokens.set(cacheKey, { token, renewAt: now + ttlSeconds * 800 });
	while (builtTokens.size > MAX_CACHED_CREDENTIALS) builtTokens.delete(builtTokens.keys().next().value as string);
	return token;
}

/**
 * Easemob tokens this process fetched, per credential (a hash of where and who, never the
 * secret itself), newest last. n8n stores a fetched token in the credential only through
 * `preAuthentication`; a token renewed after the service refused the stored one lives here,
 * so every later request of this process uses it instead of the refused one.
 */
interface IssuedToken {
	token: string;
	fetchedAt: number;
	/** Counts renewals, so that many requests refused with the same token renew it once. */
	generation: number;
}

const issuedTokens = new Map<string, IssuedToken>();
const pendingFetches = new Map<string, Promise<IssuedToken>>();

/** Identifies a client-credentials credential without keeping its secret. */
export function clientCredentialsKey(credentials: ICredentialDataDecryptedObject): string {
	const app = parseAgoraApp(credentials);
	return createHash('sha256')
		.update([agoraAppUrl(app), text(credentials.clientId), text(credentials.clientSecret)].join('\n'))
		.digest('hex');
}

/** The renewal count of the credential's token in this process (0: only the stored token is known). */
export function issuedTokenGeneration(key: string): number {
	return issuedTokens.get(key)?.generation ?? 0;
}

function remember(key: string, token: string): IssuedToken {
	const issued = { token, fetchedAt: Date.now(), generation: issuedTokenGeneration(key) + 1 };
	issuedTokens.delete(key);
	issuedTokens.set(key, issued);
	while (issuedTokens.size > MAX_CACHED_CREDENTIALS) issuedTokens.delete(issuedTokens.keys().next().value as string);
	return issued;
}

/**
 * n8n asks for a token (preAuthentication) for every request that read the credential before
 * the first fetched token was stored; those share a token fetched this recently. Older ones
 * are not trusted blindly: the test button must find out whether the pair still works.
 */
const SHARE_FETCHED_TOKEN_MS = 10_000;

/**
 * A token for the credential, fetched at most once at a time per credential in this process.
 * `refusedGeneration` is the generation a request was refused with: a newer token is used as
 * it is, the same one is replaced. Without it, a token fetched moments ago is shared.
 */
export async function clientCredentialsToken(
	helpers: IHttpRequestHelper['helpers'],
	credentials: ICredentialDataDecryptedObject,
	refusedGeneration?: number,
): Promise<string> {
	const key = clientCredentialsKey(credentials);
	const current = issuedTokens.get(key);
	const usable =
		refusedGeneration === undefined ? current !== undefined && Date.now() - current.fetchedAt < SHARE_FETCHED_TOKEN_MS : current !== undefined && current.generation > refusedGeneration;
	if (current && usable) return current.token;
	let pending = pendingFetches.get(key);
	if (!pending) {
		pending = fetchClientCredentialsToken(helpers, credentials)
			.then((token) => remember(key, token))
			.finally(() => pendingFetches.delete(key));
		pendingFetches.set(key, pending);
	}
	return (await pending).token;
}

/** The token for `Authorization: Bearer`, whichever way the credential gets it. */
export function bearerToken(credentials: ICredentialDataDecryptedObject): string {
	const source = tokenSourceOf(credentials);
	if (source === 'appCertificate') return appCertificateToken(credentials);
	if (source === 'clientCredentials') {
		const token = issuedTokens.get(clientCredentialsKey(credentials))?.token ?? text(credentials.accessToken);
		if (!token) {
			throw new AgoraCredentialInputError('No token could be fetched with the Client ID and Client Secret', 'clientId');
		}
		return token;
	}
	const token = text(credentials.appToken);
	if (!token) {
		throw new AgoraCredentialInputError(
			'The App Token is empty. Paste an app token, or choose App ID + App Certificate as the Token Source so the node makes its own tokens.',
			'appToken',
		);
	}
	return token;
}

/** The token endpoint answered, but not with a token: the answer is judged like any other. */
export class AgoraTokenRequestFailure extends Error {
	constructor(readonly answer: { status: number; statusText?: string; headers: Record<string, unknown>; body: unknown }) {
		super(`The token request failed with HTTP ${answer.status}`);
		this.name = 'AgoraTokenRequestFailure';
	}
}

/** Easemob's client-credentials exchange: POST /{org}/{app}/token. */
export async function fetchClientCredentialsToken(
	helpers: IHttpRequestHelper['helpers'],
	credentials: ICredentialDataDecryptedObject,
): Promise<string> {
	const clientId = text(credentials.clientId);
	const clientSecret = text(credentials.clientSecret);
	if (!clientId || !clientSecret) {
		throw new AgoraCredentialInputError(
			'The Client ID or Client Secret is empty. Copy both from the Easemob console (Application Info > Client ID / ClientSecret).',
			clientId ? 'clientSecret' : 'clientId',
		);
	}
	// The answer as it is (status, headers, body): no secret-bearing request config travels on.
	const answer = (await helpers.httpRequest({
		method: 'POST',
		url: `${agoraAppUrl(parseAgoraApp(credentials))}/token`,
		body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
		json: true,
		ignoreHttpStatusErrors: true,
		returnFullResponse: true,
	}).catch((error: { message?: string; code?: unknown }) => {
		// Only the message and code travel on: the request config holds the client secret.
		throw Object.assign(new Error(error?.message ?? 'The token request could not reach the service'), {
			code: typeof error?.code === 'string' ? error.code : undefined,
		});
	})) as { statusCode: number; statusMessage?: string; headers?: Record<string, unknown>; body?: { access_token?: unknown } };
	if (answer.statusCode === 400 || answer.statusCode === 401) {
		throw new AgoraCredentialInputError(
			'The service refused the Client ID and Client Secret. Check both in the credential, and that Org Name and App Name belong to the same app.',
			'clientSecret',
		);
	}
	if (answer.statusCode < 200 || answer.statusCode >= 300) {
		throw new AgoraTokenRequestFailure({ status: answer.statusCode, statusText: answer.statusMessage, headers: answer.headers ?? {}, body: answer.body });
	}
	const token = text(answer.body?.access_token);
	if (!token) throw new AgoraCredentialInputError('The service answered the token request without a token', 'clientId');
	return token;
}
