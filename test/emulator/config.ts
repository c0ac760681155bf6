/** Emulator settings: defaults and validation of changes (from tests or the admin API). */
import { isAgoraKey } from './tokens';
import { RATE_LIMIT_MODES } from './rate-limit';
import type { DownloadHeaderMode, EmulatorConfig, StaticAppToken } from './types';

export const DEFAULT_ORG = 'demo-org';
export const DEFAULT_APP = 'demo-app';
export const DEFAULT_APP_TOKEN = 'emulator-app-token';

export function defaultConfig(): EmulatorConfig {
	return {
		org: DEFAULT_ORG,
		app: DEFAULT_APP,
		appTokens: [{ token: DEFAULT_APP_TOKEN }],
		clientId: 'emulator-client-id',
		clientSecret: 'emulator-client-secret',
		issuedTokenTtlSeconds: 3600,
		rateLimitPerSecond: 100,
		rateLimitMode: 'window',
		downloadHeaders: 'full',
		maxUploadBytes: 10 * 1024 * 1024,
		maxFilesPerGroup: 10_000,
		fileRetentionMs: 7 * 24 * 60 * 60 * 1000,
		appTokenMaxLifetimeSeconds: 24 * 60 * 60,
		listIgnoresPageNumber: false,
		compressDownloads: false,
	};
}

const DOWNLOAD_HEADER_MODES: readonly DownloadHeaderMode[] = ['full', 'filenameOnly', 'filenameStarOnly', 'none'];

const NON_NEGATIVE_NUMBER_KEYS = [
	'issuedTokenTtlSeconds',
	'rateLimitPerSecond',
	'maxUploadBytes',
	'maxFilesPerGroup',
	'fileRetentionMs',
	'appTokenMaxLifetimeSeconds',
] as const;

function requireString(key: string, value: unknown, allowEmpty = false): string {
	if (typeof value !== 'string' || (!allowEmpty && value === '')) {
		throw new Error(`Config "${key}" must be a${allowEmpty ? '' : ' non-empty'} string`);
	}
	return value;
}

function validateAppTokens(value: unknown): StaticAppToken[] {
	if (!Array.isArray(value)) throw new Error('Config "appTokens" must be an array of {token, expiresAt?}');
	return value.map((entry: unknown) => {
		const candidate = entry as Partial<StaticAppToken> | null;
		if (typeof candidate?.token !== 'string' || candidate.token === '') {
			throw new Error('Every app token needs a non-empty "token" string');
		}
		if (candidate.expiresAt !== undefined && typeof candidate.expiresAt !== 'number') {
			throw new Error('An app token\'s "expiresAt" must be ms since the epoch');
		}
		return candidate.expiresAt === undefined
			? { token: candidate.token }
			: { token: candidate.token, expiresAt: candidate.expiresAt };
	});
}

/**
 * Checks a partial config; throws with a readable reason. Keys set to undefined are ignored,
 * except appId, appCertificate and publicUrl, which undefined, null or '' unsets.
 */

/** A config value that must be one of `allowed`. */
function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
	if (!allowed.includes(value as T)) throw new Error(`Config "${key}" must be one of ${allowed.join(', ')}`);
	return value as T;
}

export function validateConfigPatch(input: unknown): Partial<EmulatorConfig> {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		throw new Error('Config must be a JSON object');
	}
	const patch: Partial<EmulatorConfig> = {};
	for (const [key, value] of Object.entries(input)) {
		switch (key) {
			case 'appId':
			case 'appCertificate':
			case 'publicUrl': {
				// Optional settings: undefined, null or '' unsets them.
				const text = value === undefined || value === null ? '' : requireString(key, value, true);
				if (text !== '' && key !== 'publicUrl' && !isAgoraKey(text)) {
					throw new Error(`Config "${key}" must be 32 hexadecimal characters, as Agora issues them`);
				}
				patch[key] = text === '' ? undefined : text.replace(/\/+$/, '');
				break;
			}
			case 'org':
			case 'app':
			case 'clientId':
			case 'clientSecret':
				if (value !== undefined) patch[key] = requireString(key, value);
				break;
			case 'listIgnoresPageNumber':
			case 'compressDownloads':
				if (value === undefined) break;
				if (typeof value !== 'boolean') throw new Error(`Config "${key}" must be true or false`);
				patch[key] = value;
				break;
			case 'appTokens':
				if (value !== undefined) patch.appTokens = validateAppTokens(value);
				break;
			case 'rateLimitMode':
				if (value !== undefined) patch.rateLimitMode = oneOf(key, value, RATE_LIMIT_MODES);
				break;
			case 'downloadHeaders':
				if (value !== undefined) patch.downloadHeaders = oneOf(key, value, DOWNLOAD_HEADER_MODES);
				break;
			default:
				if ((NON_NEGATIVE_NUMBER_KEYS as readonly string[]).includes(key)) {
					if (value === undefined) break;
					if (typeof value !== 'number' || !(value >= 0)) {
						throw new Error(`Config "${key}" must be a number of at least 0`);
					}
					patch[key as (typeof NON_NEGATIVE_NUMBER_KEYS)[number]] = value;
					break;
				}
				throw new Error(`Unknown config key "${key}"`);
		}
	}
	return patch;
}
