// P8: upload a folder. 500 files of 16 KiB read by Read/Write Files from Disk, then Upload (Replace If Different)
// into an empty group; then the same again with nothing changed, which must send one listing and nothing else.
// Emulator capped at 100 calls/s (rolling window).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { executeN8n, nodeTask } from './n8n-exec.mjs';
import { summary } from './stats.mjs';
import * as W from './workflows.mjs';

export const FOLDER_FILES = 500;
const FILE_BYTES = 16 * 1024;
const RATE_LIMIT = 100;
const MAX_REPS = 50;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isFailedItem = (item) => Boolean(item.error || item.json?.error);
/** Each repetition uploads into a group of its own, empty at the start. */
const groupOf = (rep) => `bench-folder-${rep + 1}`;
const workflowOf = (rep) => `bP8up${rep + 1}`;

function writeFolder(dir) {
	fs.mkdirSync(dir, { recursive: true });
	for (let i = 1; i <= FOLDER_FILES; i++) fs.writeFileSync(path.join(dir, `part-${String(i).padStart(4, '0')}.bin`), randomBytes(FILE_BYTES));
	return `${dir}/*.bin`;
}

async function uploadRun(ctx, rep) {
	await ctx.emulator.admin('DELETE', 'requests');
	const result = await executeN8n(ctx.env, workflowOf(rep), { sampleMemory: 'tree' });
	const requests = await ctx.emulator.admin('GET', 'requests');
	const out = { ok: false, requests: requests.length };
	if (!result.ok) return { ...out, error: result.errorMessage };
	const task = nodeTask(result.run, W.BENCH_NODE);
	const items = task.data?.main?.[0] ?? [];
	const count = (operation) => requests.filter((q) => q.operation === operation).length;
	return {
		ok: true,
		ms: task.executionTime,
		items: items.length,
		failedItems: items.filter(isFailedItem).length + Math.max(0, FOLDER_FILES - items.length),
		skipped: items.filter((item) => item.json.skipped === true).length,
		requests: requests.length,
		lists: count('listFiles'),
		uploads: count('uploadFile'),
		deletes: count('deleteFile'),
		status429: requests.filter((q) => q.status === 429).length,
	};
}

export const P8 = {
	key: 'P8',
	title: 'Upload a folder: 500 files of 16 KiB, Replace If Different, into an empty group and again unchanged',
	workflows: ({ files }) => {
		const glob = writeFolder(path.join(path.dirname(files.big), 'folder'));
		return Array.from({ length: MAX_REPS }, (_, rep) => W.folderUploadChatGroup(workflowOf(rep), { folderGlob: glob, groupId: groupOf(rep) }));
	},
	async run(ctx) {
		if (ctx.reps > MAX_REPS) throw new Error(`P8 has workflows for at most ${MAX_REPS} repetitions`);
		await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: RATE_LIMIT, rateLimitMode: 'window' });
		const first = [];
		const again = [];
		try {
			for (let rep = 0; rep < ctx.reps; rep++) {
				await ctx.emulator.admin('POST', 'groups', { groupId: groupOf(rep) });
				await sleep(1100); // the service's second is real time: start with it empty
				const a = await uploadRun(ctx, rep);
				first.push(a);
				await sleep(1100);
				const b = await uploadRun(ctx, rep);
				again.push(b);
				const line = (r) => (r.ok ? `${r.ms} ms, ${r.uploads} uploads, ${r.lists} listings, ${r.deletes} deletes, ${r.status429} x 429, ${r.failedItems} failed` : `FAILED: ${r.error}`);
				ctx.log(`  rep ${rep + 1}/${ctx.reps} empty group: ${line(a)}; unchanged: ${line(b)}`);
			}
		} finally {
			await ctx.emulator.admin('POST', 'config', { rateLimitPerSecond: 0 });
		}
		const side = (runs) => {
			const ok = runs.filter((r) => r.ok);
			return {
				n: ok.length,
				ms: summary(ok.map((r) => r.ms)),
				requests: summary(ok.map((r) => r.requests)),
				lists: summary(ok.map((r) => r.lists)),
				uploads: summary(ok.map((r) => r.uploads)),
				deletes: summary(ok.map((r) => r.deletes)),
				skipped: summary(ok.map((r) => r.skipped)),
				failedItems: summary(ok.map((r) => r.failedItems)),
				status429: summary(ok.map((r) => r.status429)),
				failures: runs.filter((r) => !r.ok).map((r) => r.error),
			};
		};
		// The floor: every upload and the one listing at 100 calls/s.
		return { files: FOLDER_FILES, floorMs: ((FOLDER_FILES + 1) / RATE_LIMIT) * 1000, first: side(first), again: side(again) };
	},
	targets(res) {
		const { first, again } = res;
		return [
			{
				name: `P8 upload a folder of ${res.files} files into an empty group: ≤ 1.1 × the floor ((files + 1 listing) / 100 s), 0 failed`,
				met: first.n > 0 && first.ms.median <= 1.1 * res.floorMs && first.failedItems.max === 0,
				value: `${(first.ms.median / 1000).toFixed(2)} s = ${(first.ms.median / res.floorMs).toFixed(2)} × the floor of ${(res.floorMs / 1000).toFixed(2)} s, ${first.uploads.median} uploads, ${first.lists.median} listing(s), failed max ${first.failedItems.max}`,
			},
			{
				name: 'P8 the same folder again, nothing changed: 1 listing and no other request',
				met: again.n > 0 && again.requests.max === 1 && again.lists.max === 1 && again.skipped.min === res.files,
				value: `${again.requests.max} request(s) at most (${again.lists.max} listing), ${again.skipped.min} of ${res.files} skipped, ${(again.ms.median / 1000).toFixed(2)} s`,
			},
		];
	},
};
