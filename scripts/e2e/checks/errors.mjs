// What a user sees when something is wrong: a refused token, a file the group does not have.

import { randomBytes } from 'node:crypto';

export const name = 'errors';

/** A credential with another project's certificate: the run fails, says what to check, and shows no secret. */
async function checkRefusedToken(ctx) {
	const wrongCertificate = randomBytes(16).toString('hex');
	const good = ctx.credential;
	await ctx.importCredentials([{ ...good, id: 'agoraWrongCertificate', name: 'Agora Chat wrong certificate', data: { ...good.data, appCertificate: wrongCertificate } }]);
	const workflow = ctx.linearWorkflow({
		id: 'agoraRefusedToken',
		nodes: [
			{
				name: 'Get announcement',
				type: ctx.nodeType,
				parameters: { resource: 'announcement', operation: 'get', groupId: ctx.groupId },
				credentials: { agoraChatApi: { id: 'agoraWrongCertificate', name: 'Agora Chat wrong certificate' } },
			},
		],
	});
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	const result = await ctx.execute(workflow.id);
	const error = result.run?.data?.resultData?.error;
	ctx.record('wrong certificate: the run fails', !result.ok && !!error, result.ok ? 'the run succeeded' : result.errorMessage);
	const expected = 'Unable to authenticate due to corrupt access token';
	ctx.record(
		"wrong certificate: the error is the service's, with what to check",
		error?.message === expected && /Host must be your project's own REST API domain/.test(error?.description ?? ''),
		`message "${error?.message}", description "${error?.description}"`,
	);
	const output = (await ctx.n8nOutput()) + JSON.stringify(result.run ?? {});
	const tokens = (await ctx.emulator.admin('GET', 'requests')).map((request) => request.headers.authorization?.replace(/^Bearer /, '')).filter(Boolean);
	const leaked = [wrongCertificate, good.data.appCertificate, ...tokens].filter((secret) => output.includes(secret));
	ctx.record("wrong certificate: no certificate or token in n8n's output or the execution record", leaked.length === 0, `${leaked.length} secret(s) printed`);
}

/** A download of a file the group does not have: the service's JSON error, never a file. */
async function checkMissingFile(ctx) {
	const workflow = ctx.linearWorkflow({
		id: 'agoraMissingFile',
		nodes: [
			{
				name: 'Download',
				type: ctx.nodeType,
				parameters: { resource: 'sharedFile', operation: 'download', groupId: ctx.groupId, fileId: 'no-such-file' },
				credentials: { agoraChatApi: { id: ctx.credential.id, name: ctx.credential.name } },
			},
		],
	});
	await ctx.importWorkflow(workflow);
	await ctx.emulator.admin('POST', 'reset');
	await ctx.emulator.admin('POST', 'groups', { groupId: ctx.groupId });
	const result = await ctx.execute(workflow.id);
	const error = result.run?.data?.resultData?.error;
	const ok = !result.ok && error?.message === 'share file no-such-file does not exist!' && /File "no-such-file" is not a shared file of group/.test(error?.description ?? '');
	ctx.record("missing file: the download fails with the service's message and what to check", ok, `message "${error?.message}", description "${error?.description}"`);
}

export async function run(ctx) {
	await checkRefusedToken(ctx);
	await checkMissingFile(ctx);
}
