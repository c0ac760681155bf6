/**
 * The three kinds of bearer token the emulator accepts: static app tokens from the config,
 * Agora AccessToken2 chat app tokens, and tokens it issued itself from `POST /{org}/{app}/token`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { AccessToken2, kChatServiceType } from 'agora-token/src/AccessToken2';

import type { EmulatorConfig } from './types';

export type TokenVerdict = 'valid' | 'expired' | 'invalid';

/** ServiceChat.kPrivilegeApp: the privilege of an app (REST) token, as opposed to a user token. */
const CHAT_APP_PRIVILEGE = 2;

const HEX_32 = /^[0-9a-fA-F]{32}$/;

export function isAgoraKey(value: string | undefined): value is string {
	return value !== undefined && HEX_32.test(value);
}

function uint32LittleEndian(value: number): Buffer {
	const bytes = Buffer.alloc(4);
	bytes.writeUInt32LE(value >>> 0);
	return bytes;
}

function hmacSha256(key: Buffer | string, message: Buffer | string): Buffer {
	return createHmac('sha256', key).update(message).digest();
}

/**
 * The signature AccessToken2.build() computes: the signing key is an HMAC chain keyed first by
 * issue_ts over the certificate, then by salt over that result; it signs the token content.
 */
function accessToken2Signature(
	appCertificate: string,
	issueTs: number,
	salt: number,
	signedContent: Buffer,
): Buffer {
	let signingKey = hmacSha256(uint32LittleEndian(issueTs), appCertificate);
	signingKey = hmacSha256(uint32LittleEndian(salt), signingKey);
	return hmacSha256(signingKey, signedContent);
}

/** Checks an Agora AccessToken2 (`007…`) the way the Chat service does for REST calls. */
export function verifyChatAppToken(
	token: string,
	config: Pick<EmulatorConfig, 'appId' | 'appCertificate' | 'appTokenMaxLifetimeSeconds'>,
	nowMs: number,
): TokenVerdict {
	const { appId, appCertificate } = config;
	if (!isAgoraKey(appId) || !isAgoraKey(appCertificate)) return 'invalid';

	const parsed = new AccessToken2();
	// from_string inflates and parses; zlib itself is off limits to test code here.
	if (!parsed.from_string(token)) return 'invalid';
	if (parsed.appId.toString() !== appId) return 'invalid';

	const expected = accessToken2Signature(appCertificate, parsed.issueTs, parsed.salt, parsed.__signing_info);
	const actual = parsed.__signature;
	if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'invalid';

	const chat = parsed.services.find((service) => service.service_type() === kChatServiceType);
	const appPrivilegeExpire = chat?.__privileges[CHAT_APP_PRIVILEGE];
	// A chat user token (privilege 1 only) or a token for another service is no REST credential.
	if (appPrivilegeExpire === undefined) return 'invalid';

	const tokenLifetime = Math.min(parsed.expire, config.appTokenMaxLifetimeSeconds);
	const tokenExpiresAtMs = (parsed.issueTs + tokenLifetime) * 1000;
	const privilegeExpiresAtMs = (parsed.issueTs + appPrivilegeExpire) * 1000;
	if (tokenExpiresAtMs <= nowMs || privilegeExpiresAtMs <= nowMs) return 'expired';
	return 'valid';
}

export interface IssuedToken {
	accessToken: string;
	/** Seconds, as the token endpoint reports it; 0 for a token that never expires. */
	expiresIn: number;
}

/** Tokens handed out by the token endpoint. */
export class IssuedTokenStore {
	// null: never expires (the request asked for ttl 0).
	private readonly expiryByToken = new Map<string, number | null>();

	get size(): number {
		return this.expiryByToken.size;
	}

	issue(ttlSeconds: number, nowMs: number): IssuedToken {
		// Shaped like Easemob's tokens ("YWMt…"), so nobody mistakes them for AccessToken2.
		const accessToken = `YWMt${randomBytes(48).toString('base64url')}`;
		this.expiryByToken.set(accessToken, ttlSeconds === 0 ? null : nowMs + ttlSeconds * 1000);
		return { accessToken, expiresIn: ttlSeconds };
	}

	/** undefined: not a token this store issued. */
	verdict(token: string, nowMs: number): TokenVerdict | undefined {
		if (!this.expiryByToken.has(token)) return undefined;
		const expiresAt = this.expiryByToken.get(token);
		if (expiresAt === null || expiresAt === undefined) return 'valid';
		return expiresAt > nowMs ? 'valid' : 'expired';
	}

	/** Keeps the tokens known, so they answer "expired" (renew) rather than "corrupt". */
	expireAll(): void {
		for (const token of this.expiryByToken.keys()) this.expiryByToken.set(token, 0);
	}

	clear(): void {
		this.expiryByToken.clear();
	}
}

/** Verdict for a bearer token, trying static tokens, issued tokens, then AccessToken2. */
export function verifyBearerToken(
	token: string,
	config: EmulatorConfig,
	issuedTokens: IssuedTokenStore,
	nowMs: number,
): TokenVerdict {
	const staticToken = config.appTokens.find((candidate) => candidate.token === token);
	if (staticToken) {
		return staticToken.expiresAt === undefined || staticToken.expiresAt > nowMs ? 'valid' : 'expired';
	}
	const issued = issuedTokens.verdict(token, nowMs);
	if (issued !== undefined) return issued;
	if (token.startsWith('007')) return verifyChatAppToken(token, config, nowMs);
	return 'invalid';
}

/** `Authorization: Bearer <token>` → the token, or undefined when absent or malformed. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
	const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
	return match?.[1];
}
