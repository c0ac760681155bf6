// The example workflows (examples/*.json, schedule trigger swapped for a manual one): each is run and
// what every operation did is checked against the emulator's state.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { EXAMPLES, loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'examples';

const DAY_MS = 24 * 60 * 60 * 1000;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Per example: how to set the emulator and folders up, and what must hold afterwards. */
function scenarios({ filesRoot, groupId }) {
	const group = (state) => state.groups.find((candidate) => candidate.groupId === groupId);
	const outbox = path.join(filesRoot, 'outbox');
	const inbox = path.join(filesRoot, 'inbox');
	const outgoing = { 'minutes.txt': Buffer.from('Minutes of Monday\n'), '报告 2026.pdf': randomBytes(300 * 1024), 'photo "1".jpg': randomBytes(64 * 1024) };
	return {
		'morning-announcement': {
			settings: { groupId },
			async arrange() {},
			checks: {
				'Update returns { groupId, result: true, changed: true }': ({ ctx, run }) => ctx.expectEqual(ctx.outputOf(run, 'Update the group announcement')[0].json, { groupId, result: true, changed: true }, 'output'),
				"the group holds today's announcement": ({ state }) => {
					if (!/^Good morning! Today is \w+day \d{1,2} \w+\. Stand-up at 9:30/.test(group(state).announcement)) throw new Error(`announcement is "${group(state).announcement}"`);
				},
				'Get reads back the same text': ({ ctx, run, state }) => ctx.expectEqual(ctx.outputOf(run, 'Read it back')[0].json, { groupId, announcement: group(state).announcement }, 'output'),
			},
		},
		'sync-files': {
			settings: { groupId, outboxFolder: outbox, inboxFolder: inbox },
			async arrange(admin) {
				fs.rmSync(filesRoot, { recursive: true, force: true });
				fs.mkdirSync(outbox, { recursive: true });
				fs.mkdirSync(inbox, { recursive: true });
				for (const [fileName, content] of Object.entries(outgoing)) fs.writeFileSync(path.join(outbox, fileName), content);
				await admin('POST', 'files', { groupId, fileName: 'agenda.md', contentBase64: Buffer.from('# Agenda\n').toString('base64'), contentType: 'text/markdown' });
			},
			checks: {
				'Upload stored every outbox file byte for byte (sha256)': ({ ctx, state }) => {
					for (const [fileName, content] of Object.entries(outgoing)) {
						const stored = group(state).files.find((file) => file.fileName === fileName);
						if (!stored) throw new Error(`${fileName} is not in the group`);
						ctx.expectEqual(stored.sha256, sha256(content), fileName);
					}
				},
				'Get Many listed the 4 files of the group': ({ ctx, run }) =>
					ctx.expectEqual(ctx.outputOf(run, "List the group's files").map((item) => item.json.file_name).sort(), ['agenda.md', 'minutes.txt', 'photo "1".jpg', '报告 2026.pdf'].sort(), 'files'),
				'Download output binary matches the stored file (sha256), with its name': async ({ ctx, run, state }) => {
					for (const item of ctx.outputOf(run, 'Download each file')) {
						const stored = group(state).files.find((file) => file.fileId === item.json.fileId);
						ctx.expectEqual([item.binary.data.fileName, sha256(await ctx.readBinary(item.binary.data))], [stored.fileName, stored.sha256], item.json.fileId);
					}
				},
				[`downloaded files are kept in n8n's binary data store`]: ({ ctx, run }) => {
					const ids = ctx.outputOf(run, 'Download each file').map((item) => item.binary.data.id ?? 'inline');
					const expected = ctx.expectedBinaryMode;
					if (!ids.every((id) => (expected === 'inline' ? id === 'inline' : id.startsWith(`${expected}:`) || id.startsWith(`${expected}-v2:`)))) {
						throw new Error(`expected ${expected} binary data, got ids ${ids.join(', ')}`);
					}
				},
				'the inbox folder holds every group file byte for byte': ({ ctx, state }) => {
					ctx.expectEqual(fs.readdirSync(inbox).sort(), group(state).files.map((file) => file.fileName).sort(), 'inbox');
					for (const file of group(state).files) ctx.expectEqual(sha256(fs.readFileSync(path.join(inbox, file.fileName))), file.sha256, file.fileName);
				},
			},
		},
		'clean-up-old-files': {
			settings: { groupId, olderThanDays: 3 },
			async arrange(admin) {
				const now = Date.now();
				for (const [fileName, days] of [['old-a.log', 6], ['old-b.log', 4], ['new-a.log', 2], ['new-b.log', 0]]) {
					await admin('POST', 'files', { groupId, fileName, contentBase64: Buffer.from(fileName).toString('base64'), created: now - days * DAY_MS });
				}
			},
			checks: {
				'Delete returned result: true for the 2 old files': ({ ctx, run }) => ctx.expectEqual(ctx.outputOf(run, 'Delete the file').map((item) => item.json.result), [true, true], 'results'),
				'only the recent files remain in the group': ({ ctx, state }) => ctx.expectEqual(group(state).files.map((file) => file.fileName).sort(), ['new-a.log', 'new-b.log'], 'files'),
			},
		},
	};
}

export async function run(ctx) {
	const byExample = scenarios({ filesRoot: ctx.filesRoot, groupId: ctx.groupId });
	const workflows = EXAMPLES.map((example) => prepareExample(loadExample(example), byExample[example].settings, ctx.nodeType));
	await ctx.importWorkflow(workflows);
	for (const [index, example] of EXAMPLES.entries()) {
		const scenario = byExample[example];
		await ctx.emulator.admin('POST', 'reset');
		await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId, announcement: 'Yesterday' });
		await scenario.arrange(ctx.emulator.admin);
		const result = await ctx.execute(workflows[index].id);
		const state = await ctx.emulator.admin('GET', 'state');
		ctx.record(`${example}: the workflow ran${ctx.pass === 'queue' ? ' on a worker' : ''}`, result.ok, result.errorMessage);
		for (const [check, assert] of Object.entries(scenario.checks)) {
			await ctx.check(`${example}: ${check}`, async () => {
				if (!result.ok) throw new Error('the workflow did not run');
				await assert({ ctx, run: result.run, state });
			});
		}
	}
}
