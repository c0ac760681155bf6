import { parse } from 'yaml';

import { ALLOWED_TARBALL_FILES, missingTarballFiles, unexpectedTarballFiles } from '../../scripts/package/tarball-files';
import { joinPath, listFolder, packageRoot, readFile } from '../support/node';

/** Release and CI: what n8n's verification needs (provenance from GitHub Actions through n8n's CLI) stays so. */

interface PackageJson {
	name: string;
	version: string;
	homepage: string;
	bugs: { url: string };
	author: { name: string; email: string; url: string };
	repository: { type: string; url: string };
	engines: { node: string };
	scripts: Record<string, string>;
	files: string[];
	publishConfig: Record<string, unknown>;
	peerDependencies: Record<string, string>;
	peerDependenciesMeta: Record<string, { optional?: boolean }>;
	n8n: { nodes: string[]; credentials: string[] };
}

interface WorkflowStep {
	uses?: string;
	run?: string;
	with?: Record<string, string>;
	env?: Record<string, string>;
}

interface WorkflowJob {
	permissions?: Record<string, string>;
	steps: WorkflowStep[];
}

interface Workflow {
	on: Record<string, unknown>;
	permissions?: Record<string, string>;
	jobs: Record<string, WorkflowJob>;
}

const packageJson = JSON.parse(readFile(joinPath(packageRoot, 'package.json')).toString('utf8')) as PackageJson;
const workflowsFolder = joinPath(packageRoot, '.github', 'workflows');
const workflows = Object.fromEntries(
	listFolder(workflowsFolder)
		.filter((file) => /\.ya?ml$/.test(file))
		.map((file) => [file, parse(readFile(joinPath(workflowsFolder, file)).toString('utf8')) as Workflow]),
);

/** Every job with a step running `npm run release`, with the permissions it gets (its own, else the workflow's). */
function releaseJobs() {
	return Object.entries(workflows).flatMap(([file, workflow]) =>
		Object.entries(workflow.jobs)
			.filter(([, job]) => job.steps.some((step) => /\bnpm run release\b/.test(step.run ?? '')))
			.map(([name, job]) => ({ file, name, job, permissions: job.permissions ?? workflow.permissions ?? {} })),
	);
}

const stepIndex = (job: WorkflowJob, command: RegExp) => job.steps.findIndex((step) => command.test(step.run ?? ''));

describe('package.json scripts', () => {
	it('release and prepublishOnly are n8n\'s node CLI, as in n8n\'s starter', () => {
		expect(packageJson.scripts.release).toBe('n8n-node release');
		expect(packageJson.scripts.prepublishOnly).toBe('n8n-node prerelease');
		expect(packageJson.scripts.lint).toBe('n8n-node lint');
	});

	it('no script publishes by itself, and none runs at install time (n8n\'s scanner refuses those)', () => {
		for (const [name, command] of Object.entries(packageJson.scripts)) {
			if (name !== 'release') expect(`${name}: ${command}`).not.toMatch(/npm publish/);
		}
		for (const hook of ['prepare', 'preinstall', 'install', 'postinstall', 'prepublish', 'prepack', 'postpack']) {
			expect(packageJson.scripts).not.toHaveProperty(hook);
		}
	});

	it('publishConfig: public (a first publish with provenance needs it) and provenance on (a plain npm publish outside CI fails)', () => {
		expect(packageJson.publishConfig).toEqual({ access: 'public', provenance: true });
	});

	it('n8n-workflow is a peer n8n provides: optional, so a manual npm install does not install a second copy', () => {
		expect(packageJson.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(packageJson.peerDependenciesMeta).toEqual({ 'n8n-workflow': { optional: true } });
	});
});

describe('package.json metadata n8n\'s verification compares', () => {
	const repository = 'https://github.com/agora-chat-n8n/n8n-nodes-agora-chat';

	it('repository, homepage, bugs and author point at the same GitHub repository and owner', () => {
		expect(packageJson.repository).toEqual({ type: 'git', url: `git+${repository}.git` });
		expect(packageJson.homepage).toBe(`${repository}#readme`);
		expect(packageJson.bugs.url).toBe(`${repository}/issues`);
		expect(`${packageJson.author.url}/${packageJson.name}`).toBe(repository);
		expect(packageJson.author.name).not.toBe('');
		expect(packageJson.author.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
	});

	it('is a real release: a semantic version with its section in CHANGELOG.md', () => {
		expect(packageJson.version).toMatch(/^\d+\.\d+\.\d+$/);
		const changelog = readFile(joinPath(packageRoot, 'CHANGELOG.md')).toString('utf8');
		expect(changelog).toMatch(new RegExp(`^## \\[${packageJson.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
		expect(changelog).toContain(`[${packageJson.version}]: ${repository}/releases/tag/${packageJson.version}`);
	});
});

describe('GitHub Actions workflows', () => {
	it('publish.yml runs on version tags, installs with npm ci, checks the package, then npm run release', () => {
		const publish = workflows['publish.yml'];
		expect(publish).toBeDefined();
		expect(publish.on).toEqual({ push: { tags: ['*.*.*'] } });
		const [release] = releaseJobs().filter((job) => job.file === 'publish.yml');
		expect(release).toBeDefined();
		const install = stepIndex(release.job, /^npm ci$/m);
		const check = stepIndex(release.job, /^npm run test:package$/m);
		const publishStep = stepIndex(release.job, /\bnpm run release\b/);
		expect([install >= 0, check > install, publishStep > check]).toEqual([true, true, true]);
	});

	it('every job that releases may mint an OIDC token (id-token: write) and only read the repository', () => {
		const jobs = releaseJobs();
		expect(jobs.length).toBeGreaterThan(0);
		for (const { file, name, permissions } of jobs) {
			expect({ job: `${file} ${name}`, permissions }).toEqual({ job: `${file} ${name}`, permissions: { 'id-token': 'write', contents: 'read' } });
		}
	});

	it('the release step: NPM_TOKEN from the secrets as the fallback, lifecycle scripts on (prepublishOnly runs)', () => {
		for (const { job } of releaseJobs()) {
			const step = job.steps[stepIndex(job, /\bnpm run release\b/)];
			expect(step.env).toEqual({ NPM_TOKEN: '${{ secrets.NPM_TOKEN }}', NPM_CONFIG_IGNORE_SCRIPTS: 'false' });
			expect(step.run).toContain('npm config set //registry.npmjs.org/:_authToken "$NPM_TOKEN"');
		}
	});

	it('nothing but npm run release publishes', () => {
		for (const [file, workflow] of Object.entries(workflows)) {
			for (const job of Object.values(workflow.jobs)) {
				for (const step of job.steps) expect(`${file}: ${step.run ?? ''}`).not.toMatch(/npm publish|n8n-node release/);
			}
		}
	});

	it('ci.yml runs .ci/run on pull requests and pushes', () => {
		const ci = workflows['ci.yml'];
		expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
		expect(Object.values(ci.jobs).some((job) => job.steps.some((step) => /^bash \.ci\/run$/m.test(step.run ?? '')))).toBe(true);
	});

	it('every workflow uses the actions n8n\'s starter pins, and the Node and npm versions CI runs on', () => {
		const nodeVersions = new Set<string>();
		for (const [file, workflow] of Object.entries(workflows)) {
			for (const job of Object.values(workflow.jobs)) {
				for (const step of job.steps) {
					if (step.uses) expect(`${file}: ${step.uses}`).toMatch(/: actions\/(checkout|setup-node)@v4$/);
					if (step.uses?.startsWith('actions/setup-node')) nodeVersions.add(step.with?.['node-version'] ?? '');
				}
				expect(`${file}: ${job.steps.map((step) => step.run ?? '').join('\n')}`).toContain('npm install --global npm@11.19.1');
			}
		}
		expect([...nodeVersions]).toEqual(['20.20.2']);
		const [major, minor] = [...nodeVersions][0].split('.').map(Number);
		const [, engineMajor, engineMinor] = /^>=(\d+)\.(\d+)$/.exec(packageJson.engines.node)!.map(Number);
		expect(major > engineMajor || (major === engineMajor && minor >= engineMinor)).toBe(true);
	});
});

describe('tarball allow-list', () => {
	it('accepts what n8n loads, for any node or credential (a new one needs no edit)', () => {
		const files = [
			'package.json',
			'README.md',
			'LICENSE.md',
			'dist/agora/accessToken2.js',
			'dist/credentials/AgoraChatCallbackApi.credentials.js',
			'dist/credentials/agoraCallback.svg',
			'dist/nodes/ChatGroupWebhookTrigger/ChatGroupWebhookTrigger.node.js',
			'dist/nodes/ChatGroupWebhookTrigger/ChatGroupWebhookTrigger.node.json',
			'dist/nodes/ChatGroupWebhookTrigger/webhook/signature.js',
			'dist/nodes/ChatGroupWebhookTrigger/icon.dark.png',
			'dist/icons/agoraChat.svg',
		];
		expect(unexpectedTarballFiles(files)).toEqual([]);
	});

	it('refuses build info, declarations, source maps, a copy of package.json, screenshots and sources', () => {
		const files = [
			'dist/tsconfig.tsbuildinfo',
			'dist/package.json',
			'dist/nodes/ChatGroup/ChatGroup.node.d.ts',
			'dist/nodes/ChatGroup/ChatGroup.node.js.map',
			'dist/docs/images/file-list.png',
			'dist/test/support/node.js',
			'nodes/ChatGroup/ChatGroup.node.ts',
			'dist/nodes/ChatGroup/notes.json',
			'CHANGELOG.md',
		];
		expect(unexpectedTarballFiles(files)).toEqual(files);
		expect(ALLOWED_TARBALL_FILES.length).toBeGreaterThan(0);
	});

	it('names every node and credential of package.json that the tarball lacks', () => {
		const present = ['package.json', ...packageJson.n8n.nodes, ...packageJson.n8n.credentials];
		expect(missingTarballFiles(present, packageJson)).toEqual([]);
		expect(missingTarballFiles(present.filter((file) => !file.startsWith('dist/credentials/')), packageJson)).toEqual(packageJson.n8n.credentials);
	});
});
