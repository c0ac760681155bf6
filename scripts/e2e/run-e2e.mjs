// `npm run test:e2e`: the built package in a real n8n, headless. For each n8n version: install it (or
// reuse the cached install), load the package through N8N_CUSTOM_EXTENSIONS, import the credential and
// the example workflows (schedule trigger swapped for a manual one), run each with `n8n execute`, and
// check what every operation did against the emulator's state. One line per check, then
// `N passed, M failed`; exit 1 on any failure.
//
//   node scripts/e2e/run-e2e.mjs [--versions=2.40.7,1.123] [--keep]

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { createN8nEnv, customNodeType, executeWorkflowRaw, importCredentials, importWorkflow, linearWorkflow, readBinaryData, stagePackage } from './n8n-cli.mjs';
import { startEmulator } from './emulator.mjs';
import { ensureN8n } from './n8n-install.mjs';

const require = createRequire(import.meta.url);
const { EXAMPLES, loadExample, prepareExample } = require('../../test/support/examples.js');

const DEFAULT_VERSIONS = ['2.40.7', '1.123'];
const GROUP_ID = '66021836783617';
const DAY_MS = 24 * 60 * 60 * 1000;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function group(state) {
	return state.groups.find((candidate) => candidate.groupId === GROUP_ID);
}

function outputOf(run, nodeName) {
	const task = run?.data?.resultData?.runData?.[nodeName]?.[0];
	if (!task) throw new Error(`node "${nodeName}" did not run`);
	if (task.error) throw new Error(`node "${nodeName}" failed: ${task.error.message}`);
	return task.data?.main?.[0] ?? [];
}

function expectEqual(actual, expected, what) {
	const a = JSON.stringify(actual);
	const e = JSON.stringify(expected);
	if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** Per example: how to set the emulator and folders up, and what must hold afterwards. */
function scenarios({ filesRoot }) {
	const outbox = path.join(filesRoot, 'outbox');
	const inbox = path.join(filesRoot, 'inbox');
	const outgoing = { 'minutes.txt': Buffer.from('Minutes of Monday\n'), '报告 2026.pdf': randomBytes(300 * 1024), 'photo "1".jpg': randomBytes(64 * 1024) };
	return {
		'morning-announcement': {
			settings: { groupId: GROUP_ID },
			async arrange() {},
			checks: {
				'Update returns { groupId, result: true }': ({ run }) => expectEqual(outputOf(run, 'Update the group announcement')[0].json, { groupId: GROUP_ID, result: true }, 'output'),
				'the group holds today\'s announcement': ({ state }) => {
					if (!/^Good morning! Today is \w+day \d{1,2} \w+\. Stand-up at 9:30/.test(group(state).announcement)) throw new Error(`announcement is "${group(state).announcement}"`);
				},
				'Get reads back the same text': ({ run, state }) => expectEqual(outputOf(run, 'Read it back')[0].json, { groupId: GROUP_ID, announcement: group(state).announcement }, 'output'),
			},
		},
		'sync-files': {
			settings: { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox },
			async arrange(admin) {
				fs.rmSync(filesRoot, { recursive: true, force: true });
				fs.mkdirSync(outbox, { recursive: true });
				fs.mkdirSync(inbox, { recursive: true });
				for (const [name, content] of Object.entries(outgoing)) fs.writeFileSync(path.join(outbox, name), content);
				await admin('POST', 'files', { groupId: GROUP_ID, fileName: 'agenda.md', contentBase64: Buffer.from('# Agenda\n').toString('base64'), contentType: 'text/markdown' });
			},
			checks: {
				'Upload stored every outbox file byte for byte (sha256)': ({ state }) => {
					for (const [name, content] of Object.entries(outgoing)) {
						const stored = group(state).files.find((file) => file.fileName === name);
						if (!stored) throw new Error(`${name} is not in the group`);
						expectEqual(stored.sha256, sha256(content), name);
					}
				},
				'Get Many listed the 4 files of the group': ({ run }) => expectEqual(outputOf(run, "List the group's files").map((item) => item.json.file_name).sort(), ['agenda.md', 'minutes.txt', 'photo "1".jpg', '报告 2026.pdf'].sort(), 'files'),
				'Download output binary matches the stored file (sha256), with its name': ({ run, state, env }) => {
					for (const item of outputOf(run, 'Download each file')) {
						const stored = group(state).files.find((file) => file.fileId === item.json.fileId);
						expectEqual([item.binary.data.fileName, sha256(readBinaryData(env, item.binary.data))], [stored.fileName, stored.sha256], item.json.fileId);
					}
				},
				'the inbox folder holds every group file byte for byte': ({ state }) => {
					expectEqual(fs.readdirSync(inbox).sort(), group(state).files.map((file) => file.fileName).sort(), 'inbox');
					for (const file of group(state).files) expectEqual(sha256(fs.readFileSync(path.join(inbox, file.fileName))), file.sha256, file.fileName);
				},
			},
		},
		'clean-up-old-files': {
			settings: { groupId: GROUP_ID, olderThanDays: 3 },
			async arrange(admin) {
				const now = Date.now();
				for (const [name, days] of [['old-a.log', 6], ['old-b.log', 4], ['new-a.log', 2], ['new-b.log', 0]]) {
					await admin('POST', 'files', { groupId: GROUP_ID, fileName: name, contentBase64: Buffer.from(name).toString('base64'), created: now - days * DAY_MS });
				}
			},
			checks: {
				'Delete returned result: true for the 2 old files': ({ run }) => expectEqual(outputOf(run, 'Delete the file').map((item) => item.json.result), [true, true], 'results'),
				'only the recent files remain in the group': ({ state }) => expectEqual(group(state).files.map((file) => file.fileName).sort(), ['new-a.log', 'new-b.log'], 'files'),
			},
		},
	};
}

async function runVersion(spec, { emulator, credentials, stagedDist, workRoot, record, log, keep }) {
	const install = await ensureN8n({ version: spec });
	const version = install.version;
	const userFolder = fs.mkdtempSync(path.join(workRoot, `n8n-${version}-`));
	const filesRoot = path.join(userFolder, 'files');
	const env = createN8nEnv({ version, install, userFolder, customExtensions: [stagedDist], extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: filesRoot } });
	const byExample = scenarios({ filesRoot });
	try {
		await importCredentials(env, credentials);
		const workflows = EXAMPLES.map((name) => prepareExample(loadExample(name), byExample[name].settings, customNodeType('chatGroup')));
		await importWorkflow(env, workflows);
		log(`# n8n ${version} (Node ${install.nodeVersion}): credential and ${workflows.length} example workflows imported`);
		for (const [index, name] of EXAMPLES.entries()) {
			const scenario = byExample[name];
			await emulator.admin('POST', 'reset');
			await emulator.admin('POST', 'groups', { groupId: GROUP_ID, announcement: 'Yesterday' });
			await scenario.arrange(emulator.admin);
			const result = await executeWorkflowRaw(env, workflows[index].id);
			const state = await emulator.admin('GET', 'state');
			record(version, `${name}: n8n execute succeeded`, result.ok, result.errorMessage);
			for (const [check, assert] of Object.entries(scenario.checks)) {
				let failure;
				try {
					if (!result.ok) throw new Error('the workflow did not run');
					assert({ run: result.run, state, env });
				} catch (error) {
					failure = error.message;
				}
				record(version, `${name}: ${check}`, !failure, failure);
			}
		}
		await checkRefusedToken(env, { emulator, credentials, record, version });
		await checkMissingFile(env, { emulator, record, version });
	} finally {
		if (!keep) fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

/** A credential with another project's certificate: the run fails, says what to check, and shows no secret. */
async function checkRefusedToken(env, { emulator, credentials, record, version }) {
	const wrongCertificate = randomBytes(16).toString('hex');
	const [good] = credentials;
	await importCredentials(env, [{ ...good, id: 'agoraWrongCertificate', name: 'Agora Chat wrong certificate', data: { ...good.data, appCertificate: wrongCertificate } }]);
	const workflow = linearWorkflow({
		id: 'agoraRefusedToken',
		nodes: [
			{
				name: 'Get announcement',
				type: customNodeType('chatGroup'),
				parameters: { resource: 'announcement', operation: 'get', groupId: GROUP_ID },
				credentials: { agoraChatApi: { id: 'agoraWrongCertificate', name: 'Agora Chat wrong certificate' } },
			},
		],
	});
	await importWorkflow(env, workflow);
	await emulator.admin('POST', 'reset');
	await emulator.admin('POST', 'groups', { groupId: GROUP_ID });
	const result = await executeWorkflowRaw(env, workflow.id);
	const error = result.run?.data?.resultData?.error;
	record(version, 'wrong certificate: the run fails', !result.ok && !!error, result.ok ? 'the run succeeded' : result.errorMessage);
	const expected = 'Unable to authenticate due to corrupt access token';
	record(version, 'wrong certificate: the error is the service\'s, with what to check', error?.message === expected && /Host must be your project's own REST API domain/.test(error?.description ?? ''), `message "${error?.message}", description "${error?.description}"`);
	const output = result.stdout + result.stderr;
	const tokens = (await emulator.admin('GET', 'requests')).map((request) => request.headers.authorization?.replace(/^Bearer /, '')).filter(Boolean);
	const leaked = [wrongCertificate, good.data.appCertificate, ...tokens].filter((secret) => output.includes(secret));
	record(version, 'wrong certificate: no certificate or token in n8n\'s output', leaked.length === 0, `${leaked.length} secret(s) printed`);
}

/** A download of a file the group does not have: the service's JSON error, never a file. */
async function checkMissingFile(env, { emulator, record, version }) {
	const workflow = linearWorkflow({
		id: 'agoraMissingFile',
		nodes: [
			{
				name: 'Download',
				type: customNodeType('chatGroup'),
				parameters: { resource: 'sharedFile', operation: 'download', groupId: GROUP_ID, fileId: 'no-such-file' },
				credentials: { agoraChatApi: { id: 'agoraChatAccount', name: 'Agora Chat account' } },
			},
		],
	});
	await importWorkflow(env, workflow);
	await emulator.admin('POST', 'reset');
	await emulator.admin('POST', 'groups', { groupId: GROUP_ID });
	const result = await executeWorkflowRaw(env, workflow.id);
	const error = result.run?.data?.resultData?.error;
	const ok = !result.ok && error?.message === 'share file no-such-file does not exist!' && /File "no-such-file" is not a shared file of group/.test(error?.description ?? '');
	record(version, 'missing file: the download fails with the service\'s message and what to check', ok, `message "${error?.message}", description "${error?.description}"`);
}

async function main() {
	const args = process.argv.slice(2);
	const versionsArg = args.find((arg) => arg.startsWith('--versions='));
	const versions = versionsArg ? versionsArg.slice('--versions='.length).split(',').filter(Boolean) : DEFAULT_VERSIONS;
	const keep = args.includes('--keep');
	const started = Date.now();
	let passed = 0;
	let failed = 0;
	const log = (line) => console.log(line);
	const record = (version, name, ok, detail) => {
		if (ok) passed++;
		else failed++;
		log(`${ok ? 'ok' : 'not ok'} - n8n ${version}: ${name}${ok || !detail ? '' : `\n    ${String(detail).split('\n').slice(0, 12).join('\n    ')}`}`);
	};

	const appId = randomBytes(16).toString('hex');
	const appCertificate = randomBytes(16).toString('hex');
	const emulator = await startEmulator({ rateLimit: 100, appId, appCertificate });
	const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-agora-e2e-'));
	try {
		// Outside the repo, so that the package's require('n8n-workflow') finds n8n's own copy.
		const stagedDist = path.join(stagePackage({ destRoot: workRoot }), 'dist');
		const credentials = [
			{
				id: 'agoraChatAccount',
				name: 'Agora Chat account',
				type: 'agoraChatApi',
				data: { host: emulator.url, orgName: 'demo-org', appName: 'demo-app', tokenSource: 'appCertificate', appId, appCertificate, tokenTtlSeconds: 3600, requestsPerSecond: 96 },
			},
		];
		for (const spec of versions) {
			try {
				await runVersion(spec, { emulator, credentials, stagedDist, workRoot, record, log, keep });
			} catch (error) {
				record(spec, 'install and import', false, error.stack ?? error.message);
			}
		}
	} finally {
		emulator.stop();
		if (!keep) fs.rmSync(workRoot, { recursive: true, force: true });
	}
	log(`# ${((Date.now() - started) / 1000).toFixed(0)} s`);
	log(`${passed} passed, ${failed} failed`);
	process.exitCode = failed ? 1 : 0;
}

await main();
