import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestHelper } from 'n8n-workflow';

import { buildChatAppToken } from './accessToken2';
import { AgoraCredentialInputError, agoraAppUrl, parseAgoraApp } from './appUrl';

export type TokenSource = 'appToken' | 'appCertificate' | 'clientCredentials';

export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function tokenTtlSeconds(credentials: ICredentialDataDecryptedObject): number {
	const ttl = Number(credentials.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
	return Number.isFinite(ttl) && ttl > 0 ? Math.floor(ttl) : DEFAULT_TOKEN_TTL_SECONDS;
}

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
	builtTokens.set(cacheKey, { token, renewAt: now + ttlSeconds * 800 });
	return token;
}

/** The token for `Authorization: Bearer`, whichever way the credential gets it. */
export function bearerToken(credentials: ICredentialDataDecryptedObject): string {
	const source = (credentials.tokenSource ?? 'appToken') as TokenSource;
	if (source === 'appCertificate') return appCertificateToken(credentials);
	if (source === 'clientCredentials') {
		const token = text(credentials.accessToken);
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

interface HttpAnswer {
	status?: number;
	statusText?: string;
	headers?: Record<string, unknown>;
	data?: unknown;
}

/**
 * The token request's failure without the request itself (its body holds the client secret):
 * a credential error when the service refuses the pair, else the status alone, so that
 * transient answers are retried like any other call.
 */
function tokenRequestFailure(error: unknown): Error {
	if (error instanceof AgoraCredentialInputError) return error;
	const answer = (error as { response?: HttpAnswer } | undefined)?.response;
	if (answer?.status === 400 || answer?.status === 401) {
		return new AgoraCredentialInputError(
			'The service refused the Client ID and Client Secret. Check both in the credential, and that Org Name and App Name belong to the same app.',
			'clientSecret',
		);
	}
	if (!answer?.status) {
		const code = (error as { code?: unknown } | undefined)?.code;
		return Object.assign(new Error('The token request could not reach the service'), {
			code: typeof code === 'string' ? code : undefined,
		});
	}
	return Object.assign(new Error(`The token request failed with HTTP ${answer.status}`), {
		response: { status: answer.status, statusText: answer.statusText, headers: answer.headers ?? {}, data: answer.data },
	});
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
	// Outcome rather than try/catch: the failure is turned into a clean error outside the catch.
	const outcome = await helpers
		.httpRequest({
			method: 'POST',
			url: `${agoraAppUrl(parseAgoraApp(credentials))}/token`,
			body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
			json: true,
		})
		.then(
			(body: { access_token?: unknown }) => ({ body }),
			(error: unknown) => ({ error }),
		);
	if ('error' in outcome) throw tokenRequestFailure(outcome.error);
	const response = outcome.body;
	const token = text(response.access_token);
	if (!token) throw new AgoraCredentialInputError('The service answered the token request without a token', 'clientId');
	return token;
}
