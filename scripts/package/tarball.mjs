// The tarball npm would publish: `npm pack` of the package folder, its file list read back from the
// tarball itself, and unpacked the way n8n (and n8n's scanner) unpack a community package.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** process.env without npm's per-run variables and CI markers, so that npm behaves as on a maintainer's machine. */
export function plainEnv(extra = {}) {
	const env = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(npm_|NPM_CONFIG_|NODE_AUTH_TOKEN$|RELEASE_MODE$|CI$|CONTINUOUS_INTEGRATION$|BUILD_NUMBER$|RUN_ID$|GITHUB_|ACTIONS_|GITLAB|CI_|SIGSTORE_)/i.test(key)) continue;
		env[key] = value;
	}
	return { ...env, ...extra };
}

/**
 * `npm pack` into destDir (the package's own .npmrc applies: no lifecycle scripts). Returns the tarball's
 * path, npm's figures and the paths inside it (without npm's `package/` prefix), as `tar` lists them.
 */
export function packTarball({ destDir, packageDir = repoRoot }) {
	fs.mkdirSync(destDir, { recursive: true });
	const stdout = execFileSync('npm', ['pack', '--json', '--pack-destination', destDir], { cwd: packageDir, env: plainEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	const [info] = JSON.parse(stdout);
	const file = path.join(destDir, info.filename);
	const files = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
		.split('\n')
		.filter((entry) => entry && !entry.endsWith('/'))
		.map((entry) => entry.replace(/^package\//, ''))
		.sort();
	return { file, name: info.name, version: info.version, shasum: info.shasum, size: info.size, unpackedSize: info.unpackedSize, files };
}

/** Unpacks a tarball into an empty folder, as n8n's installer and scanner do (`tar -xzf … --strip-components=1`). */
export function unpackTarball(file, dir) {
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
	execFileSync('tar', ['-xzf', file, '-C', dir, '--strip-components=1']);
	return dir;
}
