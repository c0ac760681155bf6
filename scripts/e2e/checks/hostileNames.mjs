// Issue 17, point 2 in a real n8n: the example workflows that write group files to disk make each group
// file name one safe file name. A member who shares "../x", "a/b", ".." or "C:\x" cannot make n8n write
// outside the inbox (the sync example's outbox would upload it on its next run).
//   sync-files: every pass (one run writes all four);
//   save-new-files: the REST passes, run from its trigger as the editor's Execute Workflow does (the
//   trigger's manual run brings the newest file), once per name.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { customNodeType } from '../n8n-cli.mjs';

const require = createRequire(import.meta.url);
const { loadExample, prepareExample } = require('../../../test/support/examples.js');

export const name = 'hostile-names';

/** A hostile name and the one safe name the examples give it. */
const NAMES = [
	['../x', '.._x'],
	['a/b', 'a_b'],
	['..', '_..'],
	['C:\\x', 'C__x'],
];

/** Every file below `root`, relative to it. */
function filesBelow(root) {
	return fs
		.readdirSync(root, { recursive: true })
		.filter((entry) => fs.statSync(path.join(root, entry)).isFile())
		.sort();
}

async function shareFile(ctx, fileName) {
	await ctx.emulator.admin('POST', 'files', { groupId: ctx.groupId, fileName, contentBase64: Buffer.from(`shared as ${fileName}`).toString('base64') });
}

async function checkSync(ctx) {
	const root = path.join(ctx.filesRoot, 'hostile-sync');
	fs.rmSync(root, { recursive: true, force: true });
	const [outbox, inbox] = ['outbox', 'inbox'].map((folder) => path.join(root, folder));
	for (const folder of [outbox, inbox]) fs.mkdirSync(folder, { recursive: true });
	const workflow = prepareExample(loadExample('sync-files'), { groupId: ctx.groupId, outboxFolder: outbox, inboxFolder: inbox }, ctx.nodeType);
	workflow.id = 'agoraHostileSync';
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	for (const [fileName] of NAMES) await shareFile(ctx, fileName);
	const result = await ctx.execute(workflow.id);
	ctx.record('hostile names: sync-files ran with members\' files named ../x, a/b, .., C:\\x', result.ok, result.errorMessage);
	await ctx.check('hostile names: sync-files wrote each of them inside the inbox, under one safe name, and nothing anywhere else', () =>
		ctx.expectEqual(filesBelow(root), NAMES.map(([, safe]) => path.join('inbox', safe)).sort(), 'files written'));
}

async function checkSaveNewFiles(ctx) {
	const root = path.join(ctx.filesRoot, 'hostile-save');
	fs.rmSync(root, { recursive: true, force: true });
	const inbox = path.join(root, 'inbox');
	fs.mkdirSync(inbox, { recursive: true });
	const workflow = prepareExample(loadExample('save-new-files'), { inboxFolder: inbox });
	workflow.id = 'agoraHostileSave';
	const trigger = workflow.nodes.find((node) => node.type.endsWith('.chatGroupTrigger'));
	trigger.type = customNodeType('chatGroupTrigger');
	trigger.parameters.groupId = ctx.groupId;
	await ctx.importWorkflow(workflow);
	const outcomes = [];
	for (const [fileName] of NAMES) {
		await ctx.emulator.admin('POST', 'reset');
		await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
		await shareFile(ctx, fileName);
		const { executionId } = await ctx.api.runManually(workflow.id, trigger.name);
		const execution = await ctx.api.waitForExecution(executionId);
		outcomes.push(`${fileName}: ${execution.status}`);
	}
	ctx.record('hostile names: save-new-files ran once per name (../x, a/b, .., C:\\x)', outcomes.every((outcome) => outcome.endsWith(': success')), outcomes.join('; '));
	await ctx.check('hostile names: save-new-files wrote each of them inside the inbox, under one safe name, and nothing anywhere else', () =>
		ctx.expectEqual(filesBelow(root), NAMES.map(([, safe]) => path.join('inbox', safe)).sort(), 'files written'));
}

export async function run(ctx) {
	await checkSync(ctx);
	if (ctx.api) await checkSaveNewFiles(ctx);
}
