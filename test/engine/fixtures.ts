import { createHash, randomBytes } from 'crypto';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';

import { AgoraChatEmulator } from '../emulator/server';
import { Engine } from '../support/engine';

export const GROUP_ID = '66021836783617';
export const APP_TOKEN = 'emulator-app-token';
/** Made anew for every run, so that a leak check cannot pass by luck on a fixed value. */
export const APP_ID = randomBytes(16).toString('hex');
export const APP_CERTIFICATE = randomBytes(16).toString('hex');
export const CLIENT_ID = `YXA6-${randomBytes(8).toString('hex')}`;
export const CLIENT_SECRET = `YXA6-${randomBytes(16).toString('base64url')}`;
/**
 * Each test gets its own client secret (starting with CLIENT_SECRET, so leak checks still
 * find it): the node keeps Easemob tokens per process, and the emulator forgets them on reset.
 */
let secretCount = 0;
const nextClientSecret = () => `${CLIENT_SECRET}-${++secretCount}`;

export interface TestBed {
	emulator: AgoraChatEmulator;
	engine: Engine;
}

/** One emulator and one engine per test file; state is reset before each test. */
export function useTestBed({ binaryMode = 'inline' }: { binaryMode?: 'inline' | 'filesystem' } = {}): TestBed {
	const bed = {} as TestBed;
	beforeAll(async () => {
		bed.emulator = await AgoraChatEmulator.start({
			rateLimitPerSecond: 0,
			appId: APP_ID,
			appCertificate: APP_CERTIFICATE,
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
		});
		bed.engine = await Engine.load({ binaryMode });
	});
	beforeEach(() => {
		bed.emulator.reset();
		bed.emulator.configure({ downloadHeaders: 'full', rateLimitPerSecond: 0, clientSecret: nextClientSecret() });
		bed.emulator.createGroup(GROUP_ID);
		bed.engine.useCredentials(appTokenCredentials(bed.emulator));
	});
	afterAll(async () => {
		await bed.emulator?.stop();
	});
	return bed;
}

function appLocation(emulator: AgoraChatEmulator): ICredentialDataDecryptedObject {
	return { host: emulator.url, orgName: 'demo-org', appName: 'demo-app', accessToken: '' };
}

export function appTokenCredentials(emulator: AgoraChatEmulator, appToken = APP_TOKEN): ICredentialDataDecryptedObject {
	return { ...appLocation(emulator), tokenSource: 'appToken', appToken };
}

export function appCertificateCredentials(emulator: AgoraChatEmulator): ICredentialDataDecryptedObject {
	return {
		...appLocation(emulator),
		tokenSource: 'appCertificate',
		appId: APP_ID,
		appCertificate: APP_CERTIFICATE,
		tokenTtlSeconds: 3600,
	};
}

export function clientCredentials(emulator: AgoraChatEmulator): ICredentialDataDecryptedObject {
	return { ...appLocation(emulator), tokenSource: 'clientCredentials', clientId: CLIENT_ID, clientSecret: emulator.config.clientSecret };
}

export function binaryItem(content: Buffer, fileName: string, mimeType = 'application/octet-stream', json: IDataObject = {}): INodeExecutionData {
	return { json, binary: { data: { data: content.toString('base64'), fileName, mimeType } } };
}

export function bytesOf(item: INodeExecutionData, field = 'data'): Buffer {
	const binary = item.binary?.[field];
	if (!binary) throw new Error(`The item has no binary field ${field}`);
	return Buffer.from(binary.data, 'base64');
}

export function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic-looking but varied bytes, including every byte value. */
export function sampleBytes(size: number): Buffer {
	return randomBytes(size);
}

export const MB = 1024 * 1024;
