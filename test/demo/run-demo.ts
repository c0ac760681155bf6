/**
 * `npm run demo`: the example workflows in examples/, run by n8n's engine against the local
 * Agora Chat emulator, printing what each step did. No Agora account needed.
 */
import { filesFolder } from '../support/n8n-env'; // first: n8n-core reads these settings on load

import { randomBytes } from 'crypto';
import type { INodeExecutionData } from 'n8n-workflow';

import { AgoraChatEmulator } from '../emulator/server';
import { Engine } from '../support/engine';
import { EXAMPLE_BASE_NODES, EXAMPLES, loadExample, prepareExample } from '../support/examples';
import type { ExampleName } from '../support/examples';
import { freshFolder, joinPath, listFolder, print, printError, setExitCode, writeFile } from '../support/node';

const GROUP_ID = '66021836783617';
const DAY_MS = 24 * 60 * 60 * 1000;

function shorten(text: string, length = 110): string {
	return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function describeItem(item: INodeExecutionData): string {
	if (item.error) return `error: ${item.error.message}`;
	const files = Object.entries(item.binary ?? {}).map(([field, binary]) => `${field}=${binary.fileName} (${binary.fileSize}, ${binary.mimeType})`);
	return shorten([JSON.stringify(item.json), ...files].join(' + binary '));
}

function printStep(name: string, items: INodeExecutionData[]): void {
	print(`  ▸ ${name}: ${items.length} item${items.length === 1 ? '' : 's'}`);
	for (const item of items.slice(0, 4)) print(`      ${describeItem(item)}`);
	if (items.length > 4) print(`      … and ${items.length - 4} more`);
}

async function main(): Promise<void> {
	const appId = randomBytes(16).toString('hex');
	const appCertificate = randomBytes(16).toString('hex');
	const emulator = await AgoraChatEmulator.start({ appId, appCertificate, rateLimitPerSecond: 100 });
	print(`Agora Chat emulator on ${emulator.url} (org demo-org, app demo-app)`);
	const engine = await Engine.load();
	await engine.loadBaseNodes([...EXAMPLE_BASE_NODES]);
	// The recommended credential: App ID + App Certificate, a fresh token for every run.
	engine.useCredentials({ host: emulator.url, orgName: 'demo-org', appName: 'demo-app', tokenSource: 'appCertificate', appId, appCertificate, tokenTtlSeconds: 3600, accessToken: '' });

	emulator.createGroup(GROUP_ID, { announcement: 'Welcome to the project group' });
	const now = Date.now();
	emulator.addFile(GROUP_ID, { fileName: 'kick-off.pdf', bytes: Buffer.from('%PDF-1.7 kick-off slides'), contentType: 'application/pdf', created: now - 5 * DAY_MS });
	emulator.addFile(GROUP_ID, { fileName: 'old-build.log', bytes: Buffer.from('build 41 ok\n'), contentType: 'text/plain', created: now - 4 * DAY_MS });
	const outbox = freshFolder(joinPath(filesFolder, 'demo-outbox'));
	const inbox = freshFolder(joinPath(filesFolder, 'demo-inbox'));
	writeFile(joinPath(outbox, 'minutes 2026-11-27.txt'), 'Decisions: ship on Friday.\n');
	writeFile(joinPath(outbox, '报告 Q4.csv'), 'region,revenue\nEMEA,1200\n');

	const settings: Record<ExampleName, Record<string, string | number>> = {
		'morning-announcement': { groupId: GROUP_ID },
		'sync-files': { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox },
		'clean-up-old-files': { groupId: GROUP_ID, olderThanDays: 3 },
	};
	let failed = 0;
	// Each example twice, as a schedule runs it: the second run shows what a repeat does.
	for (const name of EXAMPLES) {
		const workflow = prepareExample(loadExample(name), settings[name]);
		for (const runNumber of [1, 2]) {
			print('');
			print(`■ ${workflow.name}  (examples/${name}.json, run ${runNumber} of 2, schedule trigger run by hand)`);
			const sentBefore = emulator.requests.length;
			const { outputs, order, error } = await engine.runWorkflow(workflow);
			for (const step of order) printStep(step, outputs[step]);
			const calls = emulator.requests.slice(sentBefore).map((request) => `${request.method} ${request.operation} ${request.status}`);
			print(`  ⇄ ${calls.length} call${calls.length === 1 ? '' : 's'} to Agora Chat: ${calls.join(', ')}`);
			if (error) {
				failed++;
				printError(`  ✗ ${error.message}${error.description ? ` (${error.description})` : ''}`);
			}
		}
	}

	print('');
	print('Afterwards, in the emulator and on disk:');
	print(`  announcement: "${emulator.getAnnouncement(GROUP_ID)}"`);
	print(`  shared files: ${emulator.listFiles(GROUP_ID).map((file) => `${file.fileName} (${file.fileSize} B)`).join(', ')}`);
	print(`  inbox folder: ${listFolder(inbox).join(', ')}`);
	print(failed ? `${failed} example workflow(s) failed` : 'All example workflows ran.');
	setExitCode(failed ? 1 : 0);
	await emulator.stop();
}

main().catch((error: Error) => {
	printError(error.stack ?? error.message);
	setExitCode(1);
});
