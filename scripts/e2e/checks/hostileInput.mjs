// Issue 17, points 1 and 3 in a real n8n: input nobody here controls is refused before anything is sent,
// with a message naming the field. A Delete with File ID ".." would otherwise be DELETE /chatgroups/{group}/
// (the service's delete-the-group route, which the emulator serves), an Update with Group ID "." a POST to
// /chatgroups/announcement; empty binary field names made n8n's own "required" check end `n8n execute`
// without naming the field ("No active execution found" in 2.41.1).

export const name = 'hostile-input';

function probe(ctx, id, node) {
	return ctx.linearWorkflow({ id, nodes: [{ ...node, type: ctx.nodeType, credentials: { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } } }] });
}

export async function run(ctx) {
	const groupId = ctx.groupId;
	const byId = (value) => ({ __rl: true, mode: 'id', value });
	const cases = [
		{
			label: 'Delete with File ID ".."',
			workflow: probe(ctx, 'agoraHostileDelete', { name: 'Delete', parameters: { resource: 'sharedFile', operation: 'delete', groupId: byId(groupId), fileId: byId('..') } }),
			message: 'The File ID ".." is not an ID',
		},
		{
			label: 'Delete By URL ending in share_files/%2E%2E',
			workflow: probe(ctx, 'agoraHostileDeleteUrl', {
				name: 'Delete',
				parameters: { resource: 'sharedFile', operation: 'delete', groupId: byId(groupId), fileId: { __rl: true, mode: 'url', value: `${ctx.emulator.url}/demo-org/demo-app/chatgroups/${groupId}/share_files/%2E%2E` } },
			}),
			message: 'The File ID ".." is not an ID',
		},
		{
			label: 'Update with Group ID "."',
			workflow: probe(ctx, 'agoraHostileUpdate', { name: 'Update', parameters: { resource: 'announcement', operation: 'update', groupId: byId('.'), announcement: 'overwritten?', options: {} } }),
			message: 'The Group ID "." is not an ID',
		},
		{
			label: 'Upload with an empty Input Binary Field',
			workflow: probe(ctx, 'agoraEmptyUpField', { name: 'Upload', parameters: { resource: 'sharedFile', operation: 'upload', groupId: byId(groupId), binaryPropertyName: '', options: {} } }),
			message: 'The Input Binary Field is empty',
		},
		{
			label: 'Download with an empty Put Output File in Field',
			workflow: probe(ctx, 'agoraEmptyDlField', { name: 'Download', parameters: { resource: 'sharedFile', operation: 'download', groupId: byId(groupId), fileId: byId('kept'), binaryPropertyName: '', options: {} } }),
			message: 'The Put Output File in Field is empty',
		},
	];
	await ctx.importWorkflow(cases.map(({ workflow }) => workflow));
	for (const { label, workflow, message } of cases) {
		await ctx.emulator.admin('POST', 'reset');
		await ctx.emulator.admin('POST', 'groups', { groupId, announcement: 'kept' });
		await ctx.emulator.admin('POST', 'files', { groupId, fileName: 'kept.txt', contentBase64: Buffer.from('kept').toString('base64') });
		const result = await ctx.execute(workflow.id);
		const error = result.run?.data?.resultData?.error;
		const requests = await ctx.emulator.admin('GET', 'requests');
		const group = (await ctx.emulator.admin('GET', 'state')).groups.find((candidate) => candidate.groupId === groupId);
		const intact = group !== undefined && group.announcement === 'kept' && group.files.map((file) => file.fileName).join() === 'kept.txt';
		ctx.record(
			`hostile input: ${label} fails with "${message}", sends nothing, and the group keeps its files and announcement`,
			!result.ok && error?.message === message && requests.length === 0 && intact,
			`ok ${result.ok}, message "${error?.message ?? result.errorMessage}", ${requests.length} request(s) (${requests.map((request) => `${request.method} ${request.rawPath}`).join(', ')}), group ${group ? 'kept' : 'DELETED'}`,
		);
	}
}
