// Issue 11 defect 2 in a real n8n: the service stores an upload and then answers 502 (a gateway
// error after the service acted). The node looks for the file before it sends again, so the
// group holds exactly one copy, and the item's output is that copy.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const name = 'upload-recovery';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export async function run(ctx) {
	const folder = path.join(ctx.filesRoot, 'upload-recovery');
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	const content = randomBytes(96 * 1024);
	const filePath = path.join(folder, 'report 502.bin');
	fs.writeFileSync(filePath, content);
	const credentials = { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } };
	const workflow = ctx.linearWorkflow({
		id: `agoraUpload502${ctx.pass}`.slice(0, 21),
		nodes: [
			{ name: 'Read the file', type: 'n8n-nodes-base.readWriteFile', parameters: { fileSelector: filePath, options: {} } },
			{
				name: 'Upload',
				type: ctx.nodeType,
				parameters: { resource: 'sharedFile', operation: 'upload', groupId: { __rl: true, mode: 'id', value: ctx.groupId }, binaryPropertyName: 'data', options: {} },
				credentials,
			},
		],
	});
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	await ctx.emulator.admin('POST', 'faults', { operation: 'uploadFile', type: 'status', status: 502, phase: 'afterHandling' });
	const result = await ctx.execute(workflow.id);
	ctx.record('upload-recovery: a 502 after the upload was stored: the workflow ran', result.ok, result.errorMessage);
	const requests = await ctx.emulator.admin('GET', 'requests');
	const files = (await ctx.emulator.admin('GET', 'state')).groups.find((group) => group.groupId === ctx.groupId).files;
	await ctx.check('upload-recovery: exactly one stored copy, byte for byte (sha256)', () =>
		ctx.expectEqual(files.map((file) => [file.fileName, file.sha256]), [['report 502.bin', sha256(content)]], 'group files'));
	// The list is read once before the upload (issue 17, point 6: what was there before), and again after the 502.
	await ctx.check('upload-recovery: looked for the file instead of sending it again (list 200, upload 502, list 200)', () =>
		ctx.expectEqual(requests.map((request) => `${request.operation} ${request.status}`), ['listFiles 200', 'uploadFile 502', 'listFiles 200'], 'requests'));
	await ctx.check('upload-recovery: the output is the stored copy', () => {
		if (!result.ok) throw new Error('the workflow did not run');
		const [item] = ctx.outputOf(result.run, 'Upload');
		ctx.expectEqual([item.json.file_id, item.json.file_size], [files[0]?.fileId, content.length], 'output');
	});
}
