/** The three token sources, the credential test, and runs long after the credential was made. */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { AgoraChatEmulator } from '../emulator/server';
import type { Engine } from '../support/engine';
import {
	APP_CERTIFICATE,
	APP_TOKEN,
	appCertificateCredentials,
	appTokenCredentials,
	binaryItem,
	bytesOf,
	CLIENT_SECRET,
	clientCredentials,
	GROUP_ID,
	useTestBed,
} from './fixtures';
import { expectNoSecrets } from './secrets';

const bed = useTestBed();
const DAY_MS = 24 * 60 * 60 * 1000;
const SECRETS = [APP_TOKEN, APP_CERTIFICATE, CLIENT_SECRET];

/** Every operation once, in the order a user would chain them; returns what each produced. */
async function runEveryOperation(engine: Engine) {
	const runs = {
		update: await engine.run({ resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement: 'Good morning' }),
		get: await engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID }),
		upload: await engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID }, { items: [binaryItem(Buffer.from('minutes'), 'minutes.txt', 'text/plain')] }),
		getAll: await engine.run({ resource: 'sharedFile', operation: 'getAll', groupId: GROUP_ID, returnAll: true }),
	};
	const fileId = String(runs.upload.items[0]?.json.file_id);
	const download = await engine.run({ resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId });
	const remove = await engine.run({ resource: 'sharedFile', operation: 'delete', groupId: GROUP_ID, fileId });
	return { ...runs, download, delete: remove };
}

const sources: Array<[string, (emulator: AgoraChatEmulator) => ICredentialDataDecryptedObject]> = [
	['appToken', appTokenCredentials],
	['appCertificate', appCertificateCredentials],
	['clientCredentials', clientCredentials],
];

describe.each(sources)('token source %s', (source, credentialsFor) => {
	beforeEach(() => bed.engine.useCredentials(credentialsFor(bed.emulator)));

	it('runs every operation', async () => {
		const runs = await runEveryOperation(bed.engine);
		for (const [name, run] of Object.entries(runs)) {
			expect({ name, error: run.error?.message }).toEqual({ name, error: undefined });
		}
		expect(runs.get.items[0].json.announcement).toBe('Good morning');
		expect(runs.getAll.items.map((item) => item.json.file_name)).toEqual(['minutes.txt']);
		expect(bytesOf(runs.download.items[0]).toString()).toBe('minutes');
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
		expectNoSecrets(Object.values(runs).map((run) => run.items), SECRETS);

		const apiCalls = bed.emulator.requests.filter((request) => request.operation !== 'token');
		const tokens = new Set(apiCalls.map((request) => request.headers.authorization));
		if (source === 'appToken') expect([...tokens]).toEqual([`Bearer ${APP_TOKEN}`]);
		if (source === 'appCertificate') expect([...tokens].every((token) => token.startsWith('Bearer 007'))).toBe(true);
		if (source === 'clientCredentials') {
			// One token for the whole sequence: fetching tokens too often gets an Easemob account banned.
			expect(bed.emulator.requests.filter((request) => request.operation === 'token')).toHaveLength(1);
			expect(tokens.size).toBe(1);
		}
	});

	it('passes the credential test', async () => {
		await expect(bed.engine.testCredential(credentialsFor(bed.emulator))).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});
});

describe('a credential saved without a Token Source (n8n leaves out values equal to their default)', () => {
	it('uses the credential\'s own default, App ID + App Certificate, everywhere: the run and the credential test', async () => {
		const { tokenSource, ...saved } = appCertificateCredentials(bed.emulator);
		expect(tokenSource).toBe(bed.engine.credentialType.properties.find((property) => property.name === 'tokenSource')?.default);
		bed.engine.useCredentials(saved);
		bed.emulator.setAnnouncement(GROUP_ID, 'hello');
		const { items, error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(error).toBeUndefined();
		expect(items[0].json.announcement).toBe('hello');
		expect(await bed.engine.testCredential(saved)).toEqual({ status: 'OK', message: 'Connection successful!' });
	});
});

describe('a workflow scheduled today still runs in 30 days', () => {
	afterEach(() => jest.restoreAllMocks());

	const thirtyDaysLater = () => {
		const now = Date.now();
		jest.spyOn(Date, 'now').mockImplementation(() => now + 30 * DAY_MS);
	};

	it('with App ID + App Certificate: a fresh token for the new day', async () => {
		bed.engine.useCredentials(appCertificateCredentials(bed.emulator));
		expect((await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID })).error).toBeUndefined();
		thirtyDaysLater();
		const later = await runEveryOperation(bed.engine);
		for (const run of Object.values(later)) expect(run.error?.message).toBeUndefined();
	});

	it('with Client ID + Secret: the expired token is refreshed once after a 401', async () => {
		bed.engine.useCredentials(clientCredentials(bed.emulator));
		expect((await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID })).error).toBeUndefined();
		thirtyDaysLater();
		const later = await runEveryOperation(bed.engine);
		for (const run of Object.values(later)) expect(run.error?.message).toBeUndefined();
		expect(bed.emulator.requests.filter((request) => request.operation === 'token')).toHaveLength(2);
		const refused = bed.emulator.requests.filter((request) => request.status === 401);
		expect(refused).toHaveLength(1);
	});

	it('with a pasted App Token: the run fails and says why and what to use instead', async () => {
		const expiring = 'pasted-app-token-valid-for-one-day';
		bed.emulator.configure({ appTokens: [{ token: expiring, expiresAt: Date.now() + DAY_MS }] });
		bed.engine.useCredentials(appTokenCredentials(bed.emulator, expiring));
		expect((await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID })).error).toBeUndefined();
		thirtyDaysLater();
		const { error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(error?.message).toBe('Unable to authenticate (OAuth)');
		expect(error?.description).toContain('an App Token expires within 24 hours (use App ID + App Certificate');
		expectNoSecrets(error, [expiring]);
	});
});

describe('credential test failures say which field to fix, without secrets', () => {
	const cases: Array<[string, (emulator: AgoraChatEmulator) => ICredentialDataDecryptedObject, RegExp]> = [
		['wrong org name', (emulator) => ({ ...appCertificateCredentials(emulator), orgName: 'other-org' }), /^Org Name or App Name is wrong/],
		['wrong app name', (emulator) => ({ ...appTokenCredentials(emulator), appName: 'other-app' }), /^Org Name or App Name is wrong/],
		['unknown app token (or another data center)', (emulator) => appTokenCredentials(emulator, 'not-a-token-of-this-app'), /^The service refused the token.*Host is your project's own REST API domain/],
		['certificate of another project', (emulator) => ({ ...appCertificateCredentials(emulator), appCertificate: 'a'.repeat(32) }), /^The service refused the token/],
		['App ID of 31 characters', (emulator) => ({ ...appCertificateCredentials(emulator), appId: 'a'.repeat(31) }), /^The App ID must be 32 hexadecimal characters \(it has 31\)/],
		['App Certificate that is not hex', (emulator) => ({ ...appCertificateCredentials(emulator), appCertificate: 'z'.repeat(32) }), /^The App Certificate must be 32 hexadecimal characters/],
		['empty App Token', (emulator) => appTokenCredentials(emulator, ''), /^The App Token is empty/],
		['wrong client secret', (emulator) => ({ ...clientCredentials(emulator), clientSecret: 'wrong-secret-of-some-length' }), /^The service refused the Client ID and Client Secret/],
		['host with a path', (emulator) => ({ ...appTokenCredentials(emulator), host: `${emulator.url}/demo-org/demo-app` }), /^The Host ".*" is not a plain host name/],
		['empty org name', (emulator) => ({ ...appTokenCredentials(emulator), orgName: ' ' }), /^The Org Name is empty/],
		['host nobody answers on', (emulator) => ({ ...appTokenCredentials(emulator), host: 'http://127.0.0.1:1' }), /refused the connection/],
	];

	it.each(cases)('%s', async (_label, credentialsFor, expected) => {
		const credentials = credentialsFor(bed.emulator);
		const result = await bed.engine.testCredential(credentials);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(expected);
		expectNoSecrets(result, [APP_CERTIFICATE, CLIENT_SECRET, 'wrong-secret-of-some-length', 'z'.repeat(32), 'not-a-token-of-this-app']);

		const run = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
		expect(run.error).toBeDefined();
		expectNoSecrets(run.error, [APP_CERTIFICATE, CLIENT_SECRET, 'wrong-secret-of-some-length', 'z'.repeat(32), 'not-a-token-of-this-app']);
	});
});
