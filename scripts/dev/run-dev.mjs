// `npm run dev`: the node in a real n8n, for a first look. Starts the Agora Chat emulator (a demo group with an
// announcement and a few files) and n8n on http://127.0.0.1:5678 with this package loaded, an owner account, the
// credential "Agora Chat account" and the example workflows; prints the URL and the login; Ctrl-C stops both.
//
//   N8N_PORT=5678 (n8n's port)  AGORA_EMULATOR_PORT=4100  N8N_DEV_FOLDER=.cache/dev (n8n's data, kept between runs)

import path from 'node:path';

import { repoRoot } from '../e2e/n8n-install.mjs';
import { DEMO_GROUP_ID, startDevStack } from './dev-stack.mjs';

function port(name, fallback) {
	const value = process.env[name];
	if (value === undefined || value === '') return fallback;
	if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new Error(`${name} must be a port number, not "${value}"`);
	return Number(value);
}

async function main() {
	const n8nPort = port('N8N_PORT', 5678);
	const emulatorPort = port('AGORA_EMULATOR_PORT', 4100);
	const userFolder = path.resolve(repoRoot, process.env.N8N_DEV_FOLDER || path.join('.cache', 'dev'));
	const stack = await startDevStack({ userFolder, n8nPort, emulatorPort });

	let stopping = false;
	const stop = async (signal) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write(`\n[dev] ${signal}: stopping n8n and the emulator...\n`);
		await stack.stop();
		process.stdout.write('[dev] stopped.\n');
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('Ctrl-C'));
	process.on('SIGTERM', () => void stop('SIGTERM'));

	process.stdout.write(
		[
			'',
			`  n8n is ready:   ${stack.url}`,
			`  Log in with:    ${stack.owner.email}  /  ${stack.owner.password}`,
			`  Credential:     "Agora Chat account" (App ID + App Certificate) -> the emulator on ${stack.emulator.url}`,
			`  Demo group:     ${DEMO_GROUP_ID} ("Demo group": an announcement and three files); a second group, team-updates`,
			`  Workflows:      the examples (Overview); files folder ${stack.filesRoot}`,
			`  n8n's data:     ${userFolder} (delete it to start over)`,
			'',
			'  Try it: add the "Agora Chat Group" node, choose Shared File > Download, pick the group and a file, Execute step.',
			'  Press Ctrl-C to stop.',
			'',
		].join('\n') + '\n',
	);
}

main().catch((error) => {
	process.stderr.write(`[dev] could not start: ${error.message}\n`);
	process.exit(1);
});
