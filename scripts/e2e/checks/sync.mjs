// The file sync example (examples/sync-files.json) run three times in a real n8n, as an hourly
// schedule would: a first run, a run after a new file and a changed one, a run with nothing new.
// Judged from the emulator's request log and state: the unchanged run makes no upload, no delete
// and no download; each outbox name is in the group once with the newest bytes; every group
// file reaches the inbox exactly once.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'sync';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export async function run(ctx) {
	const root = path.join(ctx.filesRoot, 'sync-three-runs');
	const outbox = path.join(root, 'outbox');
	const inbox = path.join(root, 'inbox');
	fs.rmSync(root, { recursive: true, force: true });
	fs.mkdirSync(outbox, { recursive: true });
	fs.mkdirSync(inbox, { recursive: true });
	const workflow = prepareExample(loadExample('sync-files'), { groupId: ctx.groupId, outboxFolder: outbox, inboxFolder: inbox }, ctx.nodeType);
	// Its own id: Remove Duplicates keeps its history per workflow in n8n's database.
	workflow.id = `agoraSync3${ctx.pass}`.slice(0, 21);
	workflow.name = `${workflow.name} (three runs)`;
	await ctx.importWorkflow(workflow);

	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName: 'agenda.md', contentBase64: Buffer.from('# Agenda\n').toString('base64'), contentType: 'text/markdown' });
	const outgoing = { 'minutes.txt': Buffer.from('Minutes of Monday\n'), '报告 2026.pdf': randomBytes(200 * 1024), 'photo "1".jpg': randomBytes(40 * 1024) };
	const writeOutbox = (names) => names.forEach((fileName) => fs.writeFileSync(path.join(outbox, fileName), outgoing[fileName]));
	writeOutbox(Object.keys(outgoing));

	const downloads = new Map();
	const runOnce = async (label) => {
		await ctx.emulator.admin('DELETE', 'requests');
		const result = await ctx.execute(workflow.id);
		ctx.record(`sync: ${label}: the workflow ran`, result.ok, result.errorMessage);
		const requests = await ctx.emulator.admin('GET', 'requests');
		const calls = (operation) => requests.filter((request) => request.operation === operation);
		for (const request of calls('downloadFile')) downloads.set(request.fileId, (downloads.get(request.fileId) ?? 0) + 1);
		return { result, uploads: calls('uploadFile').length, deletes: calls('deleteFile').length, downloads: calls('downloadFile').length, lists: calls('listFiles').length };
	};
	const groupFiles = async () => (await ctx.emulator.admin('GET', 'state')).groups.find((group) => group.groupId === ctx.groupId).files;
	const expectInSync = async (label) => {
		const files = await groupFiles();
		await ctx.check(`sync: ${label}: each outbox name is in the group once, with the newest bytes (sha256)`, () => {
			for (const [fileName, content] of Object.entries(outgoing)) {
				const copies = files.filter((file) => file.fileName === fileName);
				ctx.expectEqual(copies.map((file) => file.sha256), [sha256(content)], fileName);
			}
		});
		await ctx.check(`sync: ${label}: the inbox holds every group file, byte for byte`, () => {
			ctx.expectEqual(fs.readdirSync(inbox).sort(), files.map((file) => file.fileName).sort(), 'inbox');
			for (const file of files) ctx.expectEqual(sha256(fs.readFileSync(path.join(inbox, file.fileName))), file.sha256, file.fileName);
		});
	};

	const first = await runOnce('run 1');
	await ctx.check('sync: run 1: 3 uploads, 0 deletes, the 4 group files downloaded, one listing', () =>
		ctx.expectEqual([first.uploads, first.deletes, first.downloads, first.lists], [3, 0, 4, 1], 'uploads, deletes, downloads, listings'));
	await expectInSync('run 1');

	outgoing['notes.txt'] = Buffer.from('A new file\n');
	outgoing['minutes.txt'] = Buffer.from('Minutes of Monday, corrected and longer\n');
	writeOutbox(['notes.txt', 'minutes.txt']);
	const second = await runOnce('run 2 (a new file, one changed in content and size)');
	await ctx.check('sync: run 2: 2 uploads, the old copy deleted, 2 downloads', () =>
		ctx.expectEqual([second.uploads, second.deletes, second.downloads], [2, 1, 2], 'uploads, deletes, downloads'));
	await expectInSync('run 2');

	const third = await runOnce('run 3 (nothing changed)');
	await ctx.check('sync: run 3 (nothing changed): 0 uploads, 0 deletes, 0 downloads', () =>
		ctx.expectEqual([third.uploads, third.deletes, third.downloads], [0, 0, 0], 'uploads, deletes, downloads'));
	await expectInSync('run 3');
	await ctx.check('sync: every group file reached the inbox exactly once over the three runs', async () => {
		const files = await groupFiles();
		ctx.expectEqual(files.map((file) => `${file.fileName}: ${downloads.get(file.fileId) ?? 0}`).sort(), files.map((file) => `${file.fileName}: 1`).sort(), 'downloads per file');
		const repeated = [...downloads.entries()].filter(([, times]) => times !== 1);
		ctx.expectEqual(repeated, [], 'files downloaded more than once');
	});
}
