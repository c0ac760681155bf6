// Issue 11's proof in a real n8n: failures handled as the service means them, on 2.x and 1.x alike.
// (A 502 answered after the service stored an upload -> exactly one stored copy: uploadRecovery.mjs.)
// - Client ID + Client Secret, 50 items on a fresh credential: one token request;
// - Retry-After is honoured (n8n 1.x hands nodes no headers of a failed request: the node reads answers itself).

import fs from 'node:fs';
import path from 'node:path';

export const name = 'failures';

function credentialRef(credential) {
	return { agoraChatApi: { id: credential.id, name: credential.name } };
}

/** A folder n8n may read, filled with the given files. */
function folderWith(ctx, folderName, files) {
	const folder = path.join(ctx.filesRoot, folderName);
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	for (const [fileName, content] of Object.entries(files)) fs.writeFileSync(path.join(folder, fileName), content);
	return folder;
}

async function checkOneTokenFor50Items(ctx) {
	const credential = {
		id: `agoraEasemob${ctx.pass}`.slice(0, 21),
		name: `Easemob ${ctx.pass}`,
		type: 'agoraChatApi',
		data: {
			host: ctx.credential.data.host,
			orgName: ctx.credential.data.orgName,
			appName: ctx.credential.data.appName,
			tokenSource: 'clientCredentials',
			clientId: 'emulator-client-id',
			clientSecret: 'emulator-client-secret',
			requestsPerSecond: 0,
		},
	};
	await ctx.importCredentials([credential]);
	const folder = folderWith(ctx, 'failures-fifty', Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`item-${index}.txt`, `item ${index}`])));
	const workflow = ctx.linearWorkflow({
		id: 'agoraOneTokenFor50',
		nodes: [
			{ name: 'Fifty items', type: 'n8n-nodes-base.readWriteFile', parameters: { fileSelector: `${folder}/*`, options: {} } },
			{
				name: 'Get announcement',
				type: ctx.nodeType,
				parameters: { resource: 'announcement', operation: 'get', groupId: ctx.groupId },
				credentials: credentialRef(credential),
			},
		],
	});
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId, announcement: 'fifty' });
	const result = await ctx.execute(workflow.id);
	ctx.record('Client ID + Client Secret, 50 items on a fresh credential: the run succeeds', result.ok, result.errorMessage);
	await ctx.check('Client ID + Client Secret, 50 items on a fresh credential: 50 results', () =>
		ctx.expectEqual(ctx.outputOf(result.run, 'Get announcement').filter((item) => item.json.announcement === 'fifty').length, 50, 'items'),
	);
	const requests = await ctx.emulator.admin('GET', 'requests');
	const tokenRequests = requests.filter((request) => request.operation === 'token').length;
	ctx.record('Client ID + Client Secret, 50 items on a fresh credential: exactly one token request', tokenRequests === 1, `${tokenRequests} token requests`);
}

async function checkRetryAfter(ctx) {
	const workflow = ctx.linearWorkflow({
		id: 'agoraRetryAfter',
		nodes: [
			{
				name: 'Get announcement',
				type: ctx.nodeType,
				parameters: { resource: 'announcement', operation: 'get', groupId: ctx.groupId },
				credentials: credentialRef(ctx.credential),
			},
		],
	});
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId, announcement: 'after the wait' });
	await ctx.emulator.admin('POST', 'faults', { operation: 'getAnnouncement', type: 'status', status: 503, headers: { 'Retry-After': '2' } });
	const result = await ctx.execute(workflow.id);
	ctx.record('Retry-After: the run succeeds after the 503', result.ok, result.errorMessage);
	const calls = (await ctx.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'getAnnouncement');
	const waitedMs = calls.length >= 2 ? calls[1].receivedAt - calls[0].receivedAt : NaN;
	// Without the header the first backoff is 250-500 ms.
	ctx.record('Retry-After: 2 s honoured before the retry', calls.length === 2 && waitedMs >= 1900, `${calls.length} calls, ${waitedMs} ms apart`);
}

export async function run(ctx) {
	await checkOneTokenFor50Items(ctx);
	await checkRetryAfter(ctx);
}
