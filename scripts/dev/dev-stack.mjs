// The `npm run dev` stack: the Agora Chat emulator with its demo app, and a real n8n (the newest 2.x that
// installs here, on Node 24) with this package loaded through N8N_CUSTOM_EXTENSIONS, an owner account, the
// credential "Agora Chat account" pointing at the emulator, and the example workflows. `npm run test:ui`
// starts the same stack on free ports. Reuses the e2e tooling (install, staging, CLI imports, REST set-up).

import fs from 'node:fs';
import path from 'node:path';

import { startEmulator } from '../e2e/emulator.mjs';
import { createN8nEnv, importCredentials, importWorkflow, stagePackage } from '../e2e/n8n-cli.mjs';
import { DEFAULT_N8N_VERSION, ensureN8n, repoRoot } from '../e2e/n8n-install.mjs';
import { N8nApi, startN8nProcess } from '../e2e/n8n-server.mjs';

export const DEV_OWNER = { email: 'owner@example.com', firstName: 'Demo', lastName: 'Owner', password: 'Agora-demo-1' };
/** The emulator's demo project: it accepts AccessToken2 app tokens of this App ID and certificate. */
export const DEMO_APP = { orgName: 'demo-org', appName: 'demo-app', appId: '5f3c9a1e7b2d4c6e8a0f1b3d5c7e9a2b', appCertificate: 'c0ffee00d15ea5e0b0a710ad5eed1e55' };
export const DEMO_GROUP_ID = 'demo-group';
export const CREDENTIAL = { id: 'agoraChatAccount', name: 'Agora Chat account', type: 'agoraChatApi' };

const EXAMPLES_DIR = path.join(repoRoot, 'examples');

function log(message) {
	process.stdout.write(`[dev] ${message}\n`);
}

/** The credential as n8n imports it: App ID + App Certificate (the recommended source), Host = the emulator. */
export function demoCredential(emulatorUrl) {
	return {
		...CREDENTIAL,
		data: {
			host: emulatorUrl,
			orgName: DEMO_APP.orgName,
			appName: DEMO_APP.appName,
			tokenSource: 'appCertificate',
			appId: DEMO_APP.appId,
			appCertificate: DEMO_APP.appCertificate,
			tokenTtlSeconds: 3600,
			requestsPerSecond: 96,
		},
	};
}

/**
 * The examples as a user imports them, with their Settings filled in for the demo: the group, and folders
 * inside n8n's allowed files folder. Node types become `CUSTOM.*` (how n8n names a package it loads from
 * N8N_CUSTOM_EXTENSIONS); schedules and triggers stay as they are (inactive).
 */
export function demoWorkflows(filesRoot) {
	const settings = { groupId: DEMO_GROUP_ID, outboxFolder: path.join(filesRoot, 'agora-outbox'), inboxFolder: path.join(filesRoot, 'agora-inbox') };
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
			for (const node of workflow.nodes) {
				node.type = node.type.replace(/^n8n-nodes-agora-chat\./, 'CUSTOM.');
				if (node.name === 'Settings') {
					for (const assignment of node.parameters?.assignments?.assignments ?? []) {
						if (assignment.name in settings) assignment.value = settings[assignment.name];
					}
				}
				if (node.parameters?.groupId !== undefined && typeof node.parameters.groupId === 'string' && !node.parameters.groupId.startsWith('=')) {
					node.parameters.groupId = { __rl: true, mode: 'list', value: DEMO_GROUP_ID, cachedResultName: 'Demo group (demo-group)' };
				}
			}
			return workflow;
		});
}

/**
 * Starts the stack. `userFolder` keeps n8n's database between runs (the owner, your workflows); the
 * credential is imported on every start (the emulator's port may change), the examples on the first.
 * Returns { url, emulator, owner, api, stop }.
 */
export async function startDevStack({ userFolder, n8nPort, emulatorPort, version = DEFAULT_N8N_VERSION, quiet = false } = {}) {
	const say = quiet ? () => {} : log;
	const stops = [];
	const stop = async () => {
		for (const step of stops.reverse()) await step().catch(() => {});
		stops.length = 0;
	};
	try {
		say(`n8n ${version}: installing on first use (several minutes), else reusing the cached install`);
		const install = await ensureN8n({ version });
		const emulator = await startEmulator({ rateLimit: 100, appId: DEMO_APP.appId, appCertificate: DEMO_APP.appCertificate, port: emulatorPort, seedDemo: true });
		stops.push(async () => emulator.stop());
		say(`Agora Chat emulator on ${emulator.url} (demo group "${DEMO_GROUP_ID}" with an announcement and three files)`);

		fs.mkdirSync(userFolder, { recursive: true });
		const staged = stagePackage({ destRoot: path.join(userFolder, 'package') });
		const filesRoot = path.join(userFolder, 'files');
		fs.mkdirSync(path.join(filesRoot, 'agora-outbox'), { recursive: true });
		fs.mkdirSync(path.join(filesRoot, 'agora-inbox'), { recursive: true });
		const outboxSample = path.join(filesRoot, 'agora-outbox', 'hello from n8n.txt');
		if (!fs.existsSync(outboxSample)) fs.writeFileSync(outboxSample, 'A file in the outbox: the sync example uploads it to the demo group.\n');

		const env = createN8nEnv({
			version: install.version,
			install,
			userFolder: path.join(userFolder, 'n8n'),
			customExtensions: [path.join(staged, 'dist')],
			logLevel: 'warn',
			extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: filesRoot },
		});
		say(`starting n8n ${install.version} (Node ${install.nodeVersion}) with the package from ${path.relative(repoRoot, staged) || staged}`);
		const main = await startN8nProcess(env, 'start', { name: 'n8n', extraVars: n8nPort ? { N8N_PORT: String(n8nPort) } : {} });
		stops.push(async () => main.stop());
		const api = await N8nApi.setUp(main.url, env, DEV_OWNER);

		await importCredentials(env, [demoCredential(emulator.url)]);
		const examplesMarker = path.join(userFolder, '.examples-imported');
		if (!fs.existsSync(examplesMarker)) {
			const workflows = demoWorkflows(filesRoot);
			await importWorkflow(env, workflows);
			fs.writeFileSync(examplesMarker, `${workflows.map((workflow) => workflow.id).join('\n')}\n`);
			say(`imported ${workflows.length} example workflows`);
		}
		return { url: main.url, emulator, owner: DEV_OWNER, api, env, main, filesRoot, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
