import { ChatTokenBuilder } from 'agora-token';
import { createHmac, randomBytes } from 'node:crypto';

import { AgoraTokenInputError, buildChatAppToken } from '../../agora/accessToken2';
import { adler32, zlibStoredDeflate } from '../../agora/deflate';

/**
 * The parts of agora-token's AccessToken2 module these tests use. Its index.d.ts does not declare
 * the module, so it is loaded untyped. After from_string, string fields hold Buffers.
 */
interface AgoraService {
	service_type(): number;
	add_privilege(privilege: number, expire: number): void;
	__privileges: Record<string, number>;
	__user_id: Buffer | string;
}

interface AgoraAccessToken2 {
	appId: Buffer | string;
	issueTs: number;
	expire: number;
	salt: number;
	services: AgoraService[];
	__signature: Buffer;
	__signing_info: Buffer;
	add_service(service: AgoraService): void;
	build(): string;
	/** Inflates (zlib.inflateSync) and parses; false on any failure, including a bad Adler-32. */
	from_string(token: string): boolean;
	verifySignature(appCertificate: string): boolean;
}

interface AgoraAccessToken2Module {
	AccessToken2: new (
		appId?: string,
		appCertificate?: string,
		issueTs?: number,
		expire?: number,
	) => AgoraAccessToken2;
	ServiceChat: (new (userId?: string) => AgoraService) & { kPrivilegeApp: number };
	kChatServiceType: number;
}

const { AccessToken2, ServiceChat, kChatServiceType } = jest.requireActual<AgoraAccessToken2Module>(
	'agora-token/src/AccessToken2',
);

const FIXTURE_APP_ID = '0123456789abcdef0123456789abcdef';
/** Synthetic; its repeated unit lets the error tests spot any fragment of it in a message. */
const CERTIFICATE_UNIT = 'c0ffee00';
const FIXTURE_APP_CERTIFICATE = CERTIFICATE_UNIT.repeat(4);
const FIXTURE_ISSUE_TS = 1700000000;
const FIXTURE_SALT = 12345678;
const FIXTURE_EXPIRE = 3600;

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

function hmacSha256(key: Buffer, message: Buffer): Buffer {
	return createHmac('sha256', key).update(message).digest();
}

function parseWithAgora(token: string): AgoraAccessToken2 {
	const parsed = new AccessToken2();
	expect(parsed.from_string(token)).toBe(true);
	return parsed;
}

/** The inflated token content, rebuilt from what from_string keeps: the signature and all bytes after it. */
function inflatedContent(parsed: AgoraAccessToken2): Buffer {
	return Buffer.concat([uint16(parsed.__signature.length), parsed.__signature, parsed.__signing_info]);
}

/** ChatTokenBuilder.buildAppToken with its clock and salt pinned. */
function buildReferenceToken(issueTs: number, salt: number, expire: number): string {
	const reference = new AccessToken2(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, issueTs, expire);
	reference.salt = salt;
	const chatService = new ServiceChat();
	chatService.add_privilege(ServiceChat.kPrivilegeApp, expire);
	reference.add_service(chatService);
	return reference.build();
}

function buildFixtureToken(): string {
	return buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, FIXTURE_EXPIRE, {
		issueTs: FIXTURE_ISSUE_TS,
		salt: FIXTURE_SALT,
	});
}

function decodedFields(parsed: AgoraAccessToken2) {
	return {
		appId: parsed.appId.toString(),
		issueTs: parsed.issueTs,
		expire: parsed.expire,
		salt: parsed.salt,
		signature: parsed.__signature.toString('hex'),
		services: parsed.services.map((service) => ({
			type: service.service_type(),
			privileges: service.__privileges,
			userId: service.__user_id.toString(),
		})),
	};
}

function expectInputError(build: () => unknown, field: string): AgoraTokenInputError {
	let thrown: unknown;
	try {
		build();
	} catch (error) {
		thrown = error;
	}
	expect(thrown).toBeInstanceOf(AgoraTokenInputError);
	const inputError = thrown as AgoraTokenInputError;
	expect(inputError.field).toBe(field);
	expect(inputError.message).not.toContain(CERTIFICATE_UNIT);
	return inputError;
}

describe('buildChatAppToken', () => {
	it('decodes to the same fields and signature as agora-token for the same inputs', () => {
		const ours = parseWithAgora(buildFixtureToken());
		const reference = parseWithAgora(
			buildReferenceToken(FIXTURE_ISSUE_TS, FIXTURE_SALT, FIXTURE_EXPIRE),
		);

		expect(decodedFields(ours)).toEqual(decodedFields(reference));
		expect(decodedFields(ours)).toMatchObject({
			appId: FIXTURE_APP_ID,
			issueTs: FIXTURE_ISSUE_TS,
			expire: FIXTURE_EXPIRE,
			salt: FIXTURE_SALT,
			services: [{ type: kChatServiceType, privileges: { 2: FIXTURE_EXPIRE }, userId: '' }],
		});
	});

	it('inflates to exactly the bytes agora-token deflates', () => {
		const referenceContent = inflatedContent(
			parseWithAgora(buildReferenceToken(FIXTURE_ISSUE_TS, FIXTURE_SALT, FIXTURE_EXPIRE)),
		);

		expect(inflatedContent(parseWithAgora(buildFixtureToken()))).toEqual(referenceContent);
		expect(buildFixtureToken()).toBe(`007${zlibStoredDeflate(referenceContent).toString('base64')}`);
	});

	it('has the layout ChatTokenBuilder.buildAppToken produces', () => {
		const reference = decodedFields(
			parseWithAgora(
				ChatTokenBuilder.buildAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, FIXTURE_EXPIRE),
			),
		);
		const ours = decodedFields(parseWithAgora(buildFixtureToken()));

		expect(ours.services).toEqual(reference.services);
		expect(ours.expire).toBe(reference.expire);
		expect(ours.appId).toBe(reference.appId);
	});

	it('carries a signature derived from the App Certificate', () => {
		const parsed = parseWithAgora(buildFixtureToken());
		const issueKey = hmacSha256(uint32(FIXTURE_ISSUE_TS), Buffer.from(FIXTURE_APP_CERTIFICATE));
		const signingKey = hmacSha256(uint32(FIXTURE_SALT), issueKey);

		expect(parsed.__signature).toEqual(hmacSha256(signingKey, parsed.__signing_info));
		expect(parsed.verifySignature(FIXTURE_APP_CERTIFICATE)).toBe(true);
		expect(parsed.verifySignature('0badc0de'.repeat(4))).toBe(false);
	});

	it('trims whitespace and signs upper-case credentials as their lower-case form', () => {
		const token = buildChatAppToken(
			`  ${FIXTURE_APP_ID.toUpperCase()}\n`,
			`\t${FIXTURE_APP_CERTIFICATE.toUpperCase()} `,
			FIXTURE_EXPIRE,
			{ issueTs: FIXTURE_ISSUE_TS, salt: FIXTURE_SALT },
		);

		expect(token).toBe(buildFixtureToken());
	});

	it('issues a fresh 007 token now, with a new salt each call', () => {
		const before = Math.floor(Date.now() / 1000);
		const first = buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, 3600);
		const second = buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, 3600);
		const after = Math.floor(Date.now() / 1000);

		expect(first.startsWith('007')).toBe(true);
		expect(first).not.toBe(second);
		const parsedFirst = parseWithAgora(first);
		const parsedSecond = parseWithAgora(second);
		expect(parsedFirst.salt).not.toBe(parsedSecond.salt);
		for (const parsed of [parsedFirst, parsedSecond]) {
			expect(parsed.issueTs).toBeGreaterThanOrEqual(before);
			expect(parsed.issueTs).toBeLessThanOrEqual(after);
			expect(parsed.expire).toBe(3600);
			expect(parsed.salt).toBeGreaterThanOrEqual(1);
			expect(parsed.salt).toBeLessThanOrEqual(99999999);
			expect(parsed.verifySignature(FIXTURE_APP_CERTIFICATE)).toBe(true);
		}
	});

	it.each([1, 86400])('accepts a lifetime of %i seconds', (expireSeconds) => {
		const parsed = parseWithAgora(
			buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, expireSeconds),
		);

		expect(parsed.expire).toBe(expireSeconds);
		expect(parsed.services[0].__privileges).toEqual({ 2: expireSeconds });
	});

	describe('rejects bad input with AgoraTokenInputError', () => {
		it.each([
			['empty', ''],
			['blank', '   '],
			['31 characters', FIXTURE_APP_ID.slice(1)],
			['33 characters', `${FIXTURE_APP_ID}0`],
			['non-hex', `${FIXTURE_APP_ID.slice(1)}g`],
		])('App ID: %s', (_case, badAppId) => {
			const error = expectInputError(
				() => buildChatAppToken(badAppId, FIXTURE_APP_CERTIFICATE, FIXTURE_EXPIRE),
				'appId',
			);

			expect(error.message).toMatch(/App ID/);
			if (badAppId.trim() !== '') {
				expect(error.message).not.toContain(badAppId);
			}
		});

		it.each([
			['empty', '', /empty/],
			['31 characters', FIXTURE_APP_CERTIFICATE.slice(1), /32 hexadecimal characters \(it has 31\)/],
			['33 characters', `${FIXTURE_APP_CERTIFICATE}0`, /32 hexadecimal characters \(it has 33\)/],
			['non-hex', `${FIXTURE_APP_CERTIFICATE.slice(1)}z`, /hexadecimal/],
		])('App Certificate: %s', (_case, badCertificate, expectedMessage) => {
			const error = expectInputError(
				() => buildChatAppToken(FIXTURE_APP_ID, badCertificate, FIXTURE_EXPIRE),
				'appCertificate',
			);

			expect(error.message).toMatch(/App Certificate/);
			expect(error.message).toMatch(expectedMessage);
			expect(error.message).toMatch(/Agora Console/);
		});

		it.each([0, -1, 86401, 1.5, Number.NaN])('lifetime: %p seconds', (expireSeconds) => {
			expectInputError(
				() => buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, expireSeconds),
				'expireSeconds',
			);
		});

		it('checks the App ID before the certificate, without echoing either', () => {
			const error = expectInputError(
				() => buildChatAppToken('', `${FIXTURE_APP_CERTIFICATE}0`, FIXTURE_EXPIRE),
				'appId',
			);

			expect(error.name).toBe('AgoraTokenInputError');
			expect(error).toBeInstanceOf(Error);
		});
	});

	it.each([
		['issueTs', { issueTs: 1.5 }],
		['issueTs', { issueTs: -1 }],
		['salt', { salt: 0 }],
		['salt', { salt: 100000000 }],
	])('rejects the %s override %p', (name, options) => {
		expect(() =>
			buildChatAppToken(FIXTURE_APP_ID, FIXTURE_APP_CERTIFICATE, FIXTURE_EXPIRE, options),
		).toThrow(new RegExp(`^${name} must be an integer`));
	});
});

describe('adler32', () => {
	// Expected values from Python's zlib.adler32.
	it.each([
		['empty', Buffer.alloc(0), 0x00000001],
		['"Wikipedia"', Buffer.from('Wikipedia'), 0x11e60398],
		['"abc"', Buffer.from('abc'), 0x024d0127],
		['1,000 x 0xff (sums wrap, high bit set)', Buffer.alloc(1000, 0xff), 0xe6e9e446],
		['100,000 x 0xff', Buffer.alloc(100000, 0xff), 0x149a302c],
	])('%s', (_case, data, expected) => {
		expect(adler32(data)).toBe(expected);
	});
});

describe('zlibStoredDeflate', () => {
	/** Reads block headers of a stored-only zlib stream, checking each LEN/NLEN pair. */
	function storedBlocks(stream: Buffer): Array<{ final: boolean; length: number }> {
		const blocks: Array<{ final: boolean; length: number }> = [];
		let offset = 2;
		let final = false;
		while (!final) {
			const header = stream[offset];
			expect(header & 0b110).toBe(0); // BTYPE=00
			final = (header & 1) === 1;
			const length = stream.readUInt16LE(offset + 1);
			expect(stream.readUInt16LE(offset + 3)).toBe(~length & 0xffff);
			blocks.push({ final, length });
			offset += 5 + length;
		}
		expect(offset + 4).toBe(stream.length);
		return blocks;
	}

	/**
	 * A payload agora-token's from_string parses whatever follows its 18-byte head: an empty
	 * signature, then an empty app id, zero times and salt, and no services.
	 */
	function agoraParsablePayload(totalLength: number): Buffer {
		const head = Buffer.concat([uint16(0), uint16(0), uint32(0), uint32(0), uint32(0), uint16(0)]);
		return Buffer.concat([head, randomBytes(totalLength - head.length)]);
	}

	function inflateWithAgora(stream: Buffer): Buffer | undefined {
		const parsed = new AccessToken2();
		return parsed.from_string(`007${stream.toString('base64')}`)
			? inflatedContent(parsed)
			: undefined;
	}

	it('encodes empty input as a single empty final block', () => {
		// Python: zlib.compress(b'', 0).hex()
		expect(zlibStoredDeflate(Buffer.alloc(0)).toString('hex')).toBe('7801010000ffff00000001');
	});

	it('matches zlib level 0 output for a short input', () => {
		// Python: zlib.compress(b'Wikipedia', 0).hex()
		expect(zlibStoredDeflate(Buffer.from('Wikipedia')).toString('hex')).toBe(
			'7801010900f6ff57696b69706564696111e60398',
		);
	});

	it.each([
		[18, [18]],
		[65535, [65535]],
		[65536, [65535, 1]],
		[200000, [65535, 65535, 65535, 3395]],
	])('round-trips %i bytes through agora-token in blocks of %p', (size, blockLengths) => {
		const payload = agoraParsablePayload(size);
		const stream = zlibStoredDeflate(payload);

		expect(stream.subarray(0, 2)).toEqual(Buffer.from([0x78, 0x01]));
		expect(storedBlocks(stream)).toEqual(
			blockLengths.map((length, index) => ({ final: index === blockLengths.length - 1, length })),
		);
		expect(stream.readUInt32BE(stream.length - 4)).toBe(adler32(payload));
		// Buffer.equals: jest's deep equality takes seconds on 200 kB.
		expect(inflateWithAgora(stream)?.equals(payload)).toBe(true);
	});

	it('carries a checksum the inflater enforces', () => {
		const stream = zlibStoredDeflate(agoraParsablePayload(64));
		stream[stream.length - 1] ^= 0xff;

		expect(inflateWithAgora(stream)).toBeUndefined();
	});
});
