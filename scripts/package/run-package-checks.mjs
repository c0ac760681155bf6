// `npm run test:package`: the package as npm would publish it and as n8n's verification sees it.
//  - the tarball (`npm pack`) holds only what n8n loads (scripts/package/tarball-files.js), and every
//    node and credential package.json names;
//  - n8n's scanner, both legs its CLI runs after the provenance check: the source and the unpacked tarball;
//  - `npm publish` against a loopback registry: stopped when run by hand, let through as `n8n-node release`
//    runs it in GitHub Actions up to the provenance signature (which needs GitHub), and, as a control,
//    uploading exactly the packed tarball when the guards are lifted.
// One line per check, then `N passed, M failed`; exit 1 on any failure. Needs `npm run build` first.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { publishTo, startFakeRegistry } from './publish-guard.mjs';
import { SCANNER_VERSION, SOURCE_FILE_PATTERNS, TARBALL_FILE_PATTERNS, scanLeg } from './scanner.mjs';
import { packTarball, repoRoot, unpackTarball } from './tarball.mjs';

const require = createRequire(import.meta.url);
const { ALLOWED_TARBALL_FILES, missingTarballFiles, unexpectedTarballFiles } = require('./tarball-files.js');

let passed = 0;
let failed = 0;
function record(name, ok, detail) {
	if (ok) passed++;
	else failed++;
	console.log(`${ok ? 'ok' : 'not ok'} - ${name}${ok || !detail ? '' : `\n    ${String(detail).trim().split('\n').slice(0, 40).join('\n    ')}`}`);
}
async function check(name, assert) {
	try {
		const detail = await assert();
		record(typeof detail === 'string' ? `${name}: ${detail}` : name, true);
	} catch (error) {
		record(name, false, error.message);
	}
}
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

const started = Date.now();
const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-package-'));
try {
	console.log(`# ${packageJson.name}@${packageJson.version}: the tarball, n8n's scanner ${SCANNER_VERSION}, npm publish against a loopback registry`);
	const tarball = packTarball({ destDir: work });
	await check('npm pack: the tarball holds only what n8n loads', async () => {
		const unexpected = unexpectedTarballFiles(tarball.files);
		if (unexpected.length) {
			throw new Error(`unexpected files:\n${unexpected.join('\n')}\nallowed:\n${ALLOWED_TARBALL_FILES.map((rule) => rule.what).join('\n')}`);
		}
		const count = (pattern) => tarball.files.filter((file) => pattern.test(file)).length;
		return `${tarball.files.length} files, ${kB(tarball.size)} (${count(/\.js$/)} .js, ${count(/\.node\.json$/)} codex, ${count(/\.(svg|png)$/)} icons, package.json, README.md, LICENSE.md)`;
	});
	await check("npm pack: every node and credential of package.json's n8n attribute is in it", async () => {
		const missing = missingTarballFiles(tarball.files, packageJson);
		if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
		return `${packageJson.n8n.nodes.length} nodes, ${packageJson.n8n.credentials.length} credential(s)`;
	});

	const unpacked = unpackTarball(tarball.file, path.join(work, 'unpacked'));
	const sourceFiles = ['package.json', ...[...packageJson.n8n.nodes, ...packageJson.n8n.credentials].map((file) => file.replace(/^dist\//, '').replace(/\.js$/, '.ts'))];
	for (const [leg, dir, patterns, mustInclude, where] of [
		['source leg', repoRoot, SOURCE_FILE_PATTERNS, sourceFiles, 'of the checkout'],
		['tarball leg', unpacked, TARBALL_FILE_PATTERNS, ['package.json', ...packageJson.n8n.nodes, ...packageJson.n8n.credentials], 'of the unpacked tarball'],
	]) {
		const result = await scanLeg(dir, patterns, mustInclude);
		record(`n8n's scanner, ${leg}: ${result.files.length} files ${where} (${patterns.join(', ')}), ${result.passed ? 'no findings' : 'findings'}`, result.passed, [result.message, result.details].filter(Boolean).join('\n'));
	}
	await check("n8n's scanner flags a planted finding (a postinstall script, setTimeout in node code)", async () => {
		const planted = path.join(work, 'planted');
		fs.mkdirSync(path.join(planted, 'dist', 'nodes', 'Planted'), { recursive: true });
		fs.writeFileSync(path.join(planted, 'package.json'), JSON.stringify({ ...packageJson, scripts: { postinstall: 'node x.js' } }, null, '\t'));
		fs.writeFileSync(path.join(planted, 'dist', 'nodes', 'Planted', 'Planted.node.js'), 'setTimeout(() => {}, 1);\n');
		const result = await scanLeg(planted, TARBALL_FILE_PATTERNS);
		const found = ['no-forbidden-lifecycle-scripts', 'no-restricted-globals'].filter((rule) => result.details?.includes(rule));
		if (result.passed || found.length !== 2) throw new Error(`the leg ${result.passed ? 'passed' : `reported only ${found.join(', ') || 'other findings'}`}:\n${result.details ?? result.message}`);
		return 'both reported, so a clean leg means something';
	});

	const registry = await startFakeRegistry();
	try {
		await check('a plain npm publish (outside CI) is stopped before anything is uploaded', async () => {
			const run = await publishTo(registry);
			const reason = run.output.match(/npm error (Automatic provenance generation not supported[^\n]*)/)?.[1];
			if (run.code === 0 || run.published || !reason) throw new Error(`exit ${run.code}, ${run.published ? 'uploaded' : 'nothing uploaded'}:\n${run.output.slice(-1500)}`);
			return `npm: "${reason}"`;
		});
		await check('npm publish with scripts on is stopped by prepublishOnly (n8n-node prerelease)', async () => {
			const run = await publishTo(registry, { args: ['--ignore-scripts=false'] });
			if (run.code === 0 || run.published || !run.output.includes('Run `npm run release` to publish the package')) throw new Error(`exit ${run.code}:\n${run.output.slice(-1500)}`);
			return '"Run `npm run release` to publish the package"';
		});
		await check('npm publish as n8n-node release runs it in the Publish workflow gets as far as signing the provenance', async () => {
			// n8n-node release (GITHUB_ACTIONS set) runs `npm publish` with RELEASE_MODE and NPM_CONFIG_PROVENANCE;
			// publish.yml turns scripts on; the id-token permission gives the OIDC URL (here: the fake registry).
			const oidc = `${registry.url}github-oidc`;
			const run = await publishTo(registry, {
				env: { GITHUB_ACTIONS: 'true', RELEASE_MODE: 'true', NPM_CONFIG_PROVENANCE: 'true', NPM_CONFIG_IGNORE_SCRIPTS: 'false', ACTIONS_ID_TOKEN_REQUEST_URL: oidc, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-a-real-token' },
			});
			const ranGuard = run.output.includes('n8n-node prerelease') && !run.output.includes('Run `npm run release`');
			const askedSigstore = run.requests.some((request) => request.startsWith('GET /github-oidc') && request.includes('audience=sigstore'));
			if (!ranGuard || !askedSigstore || run.published) {
				throw new Error(`prepublishOnly ${ranGuard ? 'passed' : 'did not pass'}, ${askedSigstore ? '' : 'no '}sigstore token request, ${run.published ? 'uploaded unsigned' : 'nothing uploaded'}; requests: ${run.requests.join(', ')}\n${run.output.slice(-1500)}`);
			}
			return 'prepublishOnly passed, npm asked for the sigstore token (access public: no "new or private package" refusal), nothing uploaded unsigned';
		});
		await check('control: with the guards lifted, npm publish uploads exactly the packed tarball', async () => {
			const run = await publishTo(registry, { args: ['--ignore-scripts=false', '--provenance=false'], env: { RELEASE_MODE: 'true' } });
			if (run.code !== 0 || !run.published) throw new Error(`exit ${run.code}, nothing uploaded:\n${run.output.slice(-1500)}`);
			if (run.published.shasum !== tarball.shasum || run.published.version !== packageJson.version || run.published.access !== 'public') {
				throw new Error(`uploaded ${JSON.stringify(run.published)}, packed ${tarball.shasum}`);
			}
			return `${run.published.version}, access public, sha1 ${tarball.shasum}`;
		});
	} finally {
		await registry.stop();
	}
} catch (error) {
	record('the package checks ran to their end', false, error.stack ?? error.message);
} finally {
	fs.rmSync(work, { recursive: true, force: true });
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
