// The package as users install it: the tarball `npm pack` makes, installed into a fresh
// `<N8N_USER_FOLDER>/.n8n/nodes` with a plain `npm install <tarball>` (n8n's manual install; the Community
// Nodes UI does the same with the registry's tarball). n8n loads it from there as
// `n8n-nodes-agora-chat.<node name>`, with no N8N_CUSTOM_EXTENSIONS.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { cleanBaseEnv } from './n8n-cli.mjs';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 300_000;

/** Node `type` of a node of an installed community package (both n8n versions). */
export function packageNodeType(packageName, descriptionName) {
	return `${packageName}.${descriptionName}`;
}

/**
 * `npm install <tarball>` in `<userFolder>/.n8n/nodes` (created empty), with npm's own environment (not
 * this run's npm_* variables, nor the repository's .npmrc). Returns what landed in node_modules.
 */
export async function installCommunityPackage({ userFolder, tarball }) {
	const nodesFolder = path.join(userFolder, '.n8n', 'nodes');
	fs.rmSync(nodesFolder, { recursive: true, force: true });
	fs.mkdirSync(nodesFolder, { recursive: true });
	const t0 = Date.now();
	// --prefix: npm would otherwise take the nearest parent folder holding a package.json or node_modules.
	const { stdout, stderr } = await run('npm', ['install', tarball, '--prefix', nodesFolder], { cwd: nodesFolder, env: cleanBaseEnv(), timeout: INSTALL_TIMEOUT_MS });
	const nodeModules = path.join(nodesFolder, 'node_modules');
	const installed = fs
		.readdirSync(nodeModules)
		.filter((entry) => !entry.startsWith('.'))
		.flatMap((entry) => (entry.startsWith('@') ? fs.readdirSync(path.join(nodeModules, entry)).map((name) => `${entry}/${name}`) : [entry]));
	return { nodesFolder, installed, ms: Date.now() - t0, output: `${stdout}${stderr}` };
}
