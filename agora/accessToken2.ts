/**
 * Builds Agora Chat "app tokens": AccessToken2 (`007…`) strings signed with the App Certificate.
 *
 * Mirrors `ChatTokenBuilder.buildAppToken` of the `agora-token` package byte for byte, except that
 * the payload is deflated into stored blocks (see ./deflate) because n8n Cloud forbids `zlib`.
 */
import { createHmac, randomInt } from 'node:crypto';

import { zlibStoredDeflate } from './deflate';

const TOKEN_VERSION = '007';
const CHAT_SERVICE_TYPE = 5;
const CHAT_PRIVILEGE_APP = 2;
/** Agora rejects tokens that live longer than 24 hours. */
const MAX_EXPIRE_SECONDS = 24 * 60 * 60;
/** Salt range of the reference builder. */
const MIN_SALT = 1;
const MAX_SALT = 99999999;
const MAX_UINT32 = 0xffffffff;
const HEX_ID_LENGTH = 32;

export type AgoraTokenInputField = 'appId' | 'appCertificate' | 'expireSeconds';

/** A credential or lifetime that cannot make a token. The message never contains the value itself. */
export class AgoraTokenInputError extends Error {
	readonly field: AgoraTokenInputField;

	constructor(field: AgoraTokenInputField, message: string) {
		super(message);
		this.name = 'AgoraTokenInputError';
		this.field = field;
	}
}

export interface ChatAppTokenOptions {
	/** Issue time in unix seconds; defaults to now. */
	issueTs?: number;
	/** Signing salt, 1..99999999; defaults to a random one. */
	salt?: number;
}

/**
 * Returns an Agora Chat app token valid for `expireSeconds` (1..86400) from `issueTs`.
 * Throws AgoraTokenInputError for an App ID, App Certificate or lifetime the service would reject.
 */
export function buildChatAppToken(
	appId: string,
	appCertificate: string,
	expireSeconds: number,
	options: ChatAppTokenOptions = {},
): string {
	const normalizedAppId = normalizeHexId(
		appId,
		'appId',
		'App ID',
		'Project Management > Config > App ID',
	);
	const normalizedCertificate = normalizeHexId(
		appCertificate,
		'appCertificate',
		'App Certificate',
		'Project Management > Config > Primary Certificate',
	);
	assertExpireSeconds(expireSeconds);
	const issueTs = options.issueTs ?? Math.floor(Date.now() / 1000);
	assertIntegerInRange(issueTs, 0, MAX_UINT32, 'issueTs');
	const salt = options.salt ?? randomInt(MIN_SALT, MAX_SALT + 1); // randomInt excludes its maximum
	assertIntegerInRange(salt, MIN_SALT, MAX_SALT, 'salt');

	// AccessToken2 stores lifetimes relative to issueTs, for the token and for each privilege.
	const chatService = Buffer.concat([
		uint16(CHAT_SERVICE_TYPE),
		uint16(1), // privilege count
		uint16(CHAT_PRIVILEGE_APP),
		uint32(expireSeconds),
		lengthPrefixed(Buffer.alloc(0)), // user id: empty, the token acts for the whole app
	]);
	const signingInfo = Buffer.concat([
		lengthPrefixed(Buffer.from(normalizedAppId)),
		uint32(issueTs),
		uint32(expireSeconds),
		uint32(salt),
		uint16(1), // service count
		chatService,
	]);

	// The chain keys each HMAC with the small value and feeds it the secret: issueTs keys the
	// certificate, the salt keys that digest, and the result keys the signing info. The certificate
	// enters as its hex text, not as the 16 bytes it spells.
	const issueKey = hmacSha256(uint32(issueTs), Buffer.from(normalizedCertificate));
	const signingKey = hmacSha256(uint32(salt), issueKey);
	const signature = hmacSha256(signingKey, signingInfo);

	const content = Buffer.concat([lengthPrefixed(signature), signingInfo]);
	return TOKEN_VERSION + zlibStoredDeflate(content).toString('base64');
}

/**
 * Trims and lower-cases a 32-hex-character App ID or App Certificate. The Console shows both in
 * lower case and the signature covers their text, so a copy pasted in upper case still signs
 * the way the service expects.
 */
function normalizeHexId(
	value: string,
	field: AgoraTokenInputField,
	label: string,
	consolePath: string,
): string {
	// Credential data is untyped at runtime: a missing field arrives as undefined.
	const trimmed = typeof value === 'string' ? value.trim() : '';
	const hint = `Copy it from the Agora Console: ${consolePath}.`;
	if (trimmed.length === 0) {
		throw new AgoraTokenInputError(field, `The ${label} is empty. ${hint}`);
	}
	if (trimmed.length !== HEX_ID_LENGTH) {
		throw new AgoraTokenInputError(
			field,
			`The ${label} must be ${HEX_ID_LENGTH} hexadecimal characters (it has ${trimmed.length}). ${hint}`,
		);
	}
	if (!/^[0-9a-f]+$/i.test(trimmed)) {
		throw new AgoraTokenInputError(
			field,
			`The ${label} must be ${HEX_ID_LENGTH} hexadecimal characters (0-9, a-f); it contains other characters. ${hint}`,
		);
	}
	return trimmed.toLowerCase();
}

function assertExpireSeconds(expireSeconds: number): void {
	if (
		typeof expireSeconds !== 'number' ||
		!Number.isInteger(expireSeconds) ||
		expireSeconds < 1 ||
		expireSeconds > MAX_EXPIRE_SECONDS
	) {
		throw new AgoraTokenInputError(
			'expireSeconds',
			`The token lifetime must be a whole number of seconds from 1 to ${MAX_EXPIRE_SECONDS} (24 hours); got ${String(expireSeconds)}.`,
		);
	}
}

/** Guards the test-only overrides: Buffer would silently truncate a fraction. */
function assertIntegerInRange(value: number, min: number, max: number, name: string): void {
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${String(value)}.`);
	}
}

function hmacSha256(key: Buffer, message: Buffer): Buffer {
	return createHmac('sha256', key).update(message).digest();
}

function uint16(value: number): Buffer {
	const bytes = Buffer.alloc(2);
	bytes.writeUInt16LE(value);
	return bytes;
}

function uint32(value: number): Buffer {
	const bytes = Buffer.alloc(4);
	bytes.writeUInt32LE(value);
	return bytes;
}

/** AccessToken2 strings and byte arrays carry a little-endian uint16 length prefix. */
function lengthPrefixed(bytes: Buffer): Buffer {
	return Buffer.concat([uint16(bytes.length), bytes]);
}
