/**
 * Issue 17, point 3: no part of a credential's secret in any message (a Host written with
 * `user:password@`), and the binary field names refused by the node itself when empty, naming the
 * field, before anything is sent (n8n's own "required" check made `n8n execute` end with
 * "No active execution found" in 2.41.1, and name no field in 1.123).
 */
import { randomBytes } from 'crypto';

import { parseAgoraOrigin } from '../../agora/appUrl';
import { appCertificateCredentials, APP_CERTIFICATE, binaryItem, GROUP_ID, sampleBytes, useTestBed } from './fixtures';
import { expectNoSecrets } from './secrets';

const bed = useTestBed();

/** Made anew for every run, so that a leak check cannot pass by luck on a fixed value. */
const SECRET = `pw-${randomBytes(8).toString('hex')}`;

describe('a Host with a user name and password (or a token in its query)', () => {
	const hosts = (emulatorUrl: string) => {
		const address = emulatorUrl.replace(/^http:\/\//, '');
		return [
			`http://agora-admin:${SECRET}@${address}`,
			`agora-admin:${SECRET}@${address}`,
			`http://:${SECRET}@${address}`,
			`http://${SECRET}@${address}`,
			`${emulatorUrl}/?access_token=${SECRET}`,
			`${emulatorUrl}#${SECRET}`,
			`${emulatorUrl}/demo-org/demo-app?token=${SECRET}`,
		];
	};

	it('is refused before sending, saying what to fix, and no message shows the secret (node run and credential test)', async () => {
		for (const host of hosts(bed.emulator.url)) {
			const credentials = { ...appCertificateCredentials(bed.emulator), host };
			bed.engine.useCredentials(credentials);
			const { error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID });
			expect(error?.message).toMatch(/^The Host .*(user name or password|query|path)/);
			expectNoSecrets(error, [SECRET, APP_CERTIFICATE]);
			const tested = await bed.engine.testCredential(credentials);
			expect(tested.status).toBe('Error');
			expectNoSecrets(tested, [SECRET, APP_CERTIFICATE]);
		}
		expect(bed.emulator.requests).toEqual([]);
	});

	it('the parser itself names the part that does not belong in a Host, never its value', () => {
		expect(() => parseAgoraOrigin(`https://agora-admin:${SECRET}@a41.chat.agora.io`)).toThrow(
			'The Host contains a user name or password (…@a41.chat.agora.io). Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io: the node authenticates with the Token Source, never with a password in the Host.',
		);
		expect(() => parseAgoraOrigin(`a41.chat.agora.io?token=${SECRET}`)).toThrow(
			'The Host "https://a41.chat.agora.io" has a query (?…) after it. Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io (no path such as /org/app, no query).',
		);
		expect(() => parseAgoraOrigin('https://a41.chat.agora.io/demo-org/demo-app')).toThrow(
			'The Host "https://a41.chat.agora.io/demo-org/demo-app" is not a plain host name. Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io (no path such as /org/app, no query).',
		);
	});
});

describe('an empty binary field name is refused by the node, naming the field, before anything is sent', () => {
	it.each([
		['empty', ''],
		['blank', '   '],
		['mapped to an empty value', '={{ $json.field }}'],
	])('Upload: Input Binary Field %s', async (_label, binaryPropertyName) => {
		const { error, items } = await bed.engine.run(
			{ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID, binaryPropertyName },
			{ items: [binaryItem(sampleBytes(10), 'x.bin', 'application/octet-stream', { field: '' })] },
		);
		expect(items).toEqual([]);
		expect(error?.message).toBe('The Input Binary Field is empty');
		expect(error?.description).toBe('The item\'s binary fields are: "data". Set Input Binary Field to one of them.');
		expect(bed.emulator.requests).toEqual([]);
	});

	it.each([
		['empty', ''],
		['blank', '   '],
		['mapped to an empty value', '={{ $json.field }}'],
	])('Download: Put Output File in Field %s', async (_label, binaryPropertyName) => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'a.txt', bytes: Buffer.from('abc') });
		const { error, items } = await bed.engine.run(
			{ resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId: stored.fileId, binaryPropertyName },
			{ items: [{ json: { field: '' } }] },
		);
		expect(items).toEqual([]);
		expect(error?.message).toBe('The Put Output File in Field is empty');
		expect(error?.description).toBe('Enter the name of the binary field the file goes into, e.g. data (the next nodes read the file from there).');
		expect(bed.emulator.requests).toEqual([]);
	});

	it('neither field is one n8n refuses before the run (its refusal names no field in n8n execute)', () => {
		const fields = bed.engine.nodeDescription.properties.filter((property) => property.name === 'binaryPropertyName');
		expect(fields.map((field) => [field.displayName, field.required ?? false, field.default])).toEqual([
			['Input Binary Field', false, 'data'],
			['Put Output File in Field', false, 'data'],
		]);
	});
});
