/**
 * The Agora Chat Callback Trigger, active as n8n's server runs a webhook trigger (n8n-core's
 * HookContext and WebhookContext, then WorkflowExecute), receiving the service's callbacks in
 * both formats: built here exactly as the emulator sends them, and sent by the emulator itself
 * for changes made through the Agora Chat Group node.
 */
import { randomBytes } from 'crypto';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { callbackBody, callbackSecurity } from '../emulator/callbacks';
import type { CallbackFormat, GroupEvent } from '../emulator/callbacks';
import { ActiveWebhook, CALLBACK_CREDENTIAL_TYPE, callbackTriggerNode } from '../support/webhook';
import { binaryItem, GROUP_ID, sha256, useTestBed } from './fixtures';
import { expectNoSecrets } from './secrets';

const bed = useTestBed();

/** Made anew for every run, so that a leak check cannot pass by luck. */
const SECRET = `cb-${randomBytes(16).toString('hex')}`;
const APP_KEY = 'demo-org#demo-app';
const ALL_EVENTS = ['announcementUpdated', 'announcementDeleted', 'fileShared', 'fileRemoved'];

beforeEach(() => {
	bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: SECRET });
});

function activeTrigger(parameters: INodeParameters = {}, options: { withApiCredential?: boolean; mode?: 'webhook' | 'manual' } = {}): ActiveWebhook {
	const node = callbackTriggerNode({ events: ALL_EVENTS, ...parameters }, options);
	return new ActiveWebhook(bed.engine, node, options.mode);
}

const file = (file_id: string, file_name = `${file_id}.txt`) => ({ file_id, file_name, file_owner: '@ppAdmin', file_size: 12, created: 1729496921000 });

function signed(event: GroupEvent, format: CallbackFormat = 'current', extra: { callId?: string; timestamp?: number; legacyReason?: 'string' | 'object'; secret?: string } = {}) {
	return callbackBody(event, { appKey: APP_KEY, secret: extra.secret ?? SECRET, format, legacyReason: extra.legacyReason, callId: extra.callId, timestamp: extra.timestamp ?? Date.now() });
}

/** Signs any body over its callId and timestamp (messages, future sub-events). */
function signedBody(body: IDataObject): IDataObject {
	const callId = `${APP_KEY}_${randomBytes(8).toString('hex')}`;
	const timestamp = Date.now();
	return { ...body, callId, timestamp, security: callbackSecurity(callId, SECRET, timestamp) };
}

async function emittedJson(trigger: ActiveWebhook): Promise<IDataObject[][]> {
	return (await trigger.emitted()).map((items) => items.map((item) => item.json));
}

describe('the current format (group_op_event)', () => {
	it('an announcement set: one item with the text, the fields named in the issue, and the callback as received', async () => {
		const trigger = activeTrigger();
		const body = signed({ kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'Stand-up at 9:30' });
		const { answer, execution } = await trigger.receive(body);
		expect(answer.status).toBe(200);
		const run = await execution;
		expect(run?.error).toBeUndefined();
		expect(await emittedJson(trigger)).toEqual([
			[{ event: 'announcementUpdated', groupId: GROUP_ID, operator: 'u1', timestamp: body.timestamp, callId: body.callId, announcement: 'Stand-up at 9:30', callback: body }],
		]);
		expect(Object.keys((await emittedJson(trigger))[0][0])).toEqual(['event', 'groupId', 'operator', 'timestamp', 'callId', 'announcement', 'callback']);
	});

	it('an announcement deleted (no announcement field): announcementDeleted without text', async () => {
		const trigger = activeTrigger();
		const body = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: '@ppAdmin' });
		expect((body.payload as IDataObject).announcement).toBeUndefined();
		await trigger.receive(body);
		const [[item]] = await emittedJson(trigger);
		expect(item).toEqual({ event: 'announcementDeleted', groupId: GROUP_ID, operator: '@ppAdmin', timestamp: body.timestamp, callId: body.callId, callback: body });
	});

	it('files added: one item per file of share_file, each with the callback; removals also under operation UPDATE', async () => {
		const trigger = activeTrigger();
		const added = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') });
		(added.payload as IDataObject).share_file = ['f1', 'f2', 'f3'];
		await trigger.receive(added);
		const removed = signed({ kind: 'deleteFile', groupId: GROUP_ID, operator: 'u1', fileId: 'f2' });
		removed.operation = 'UPDATE';
		await trigger.receive(removed);
		const [addedItems, removedItems] = await emittedJson(trigger);
		expect(addedItems.map((item) => [item.event, item.file, item.callId])).toEqual(['f1', 'f2', 'f3'].map((id) => ['fileShared', { file_id: id }, added.callId]));
		expect(addedItems.every((item) => item.callback && (item.callback as IDataObject).callId === added.callId)).toBe(true);
		expect(removedItems).toEqual([{ event: 'fileRemoved', groupId: GROUP_ID, operator: 'u1', timestamp: removed.timestamp, callId: removed.callId, file: { file_id: 'f2' }, callback: removed }]);
	});
});

describe('the older format (chat_type muc)', () => {
	it('update_announcement and delete_announcement', async () => {
		const trigger = activeTrigger();
		const updated = signed({ kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u2', announcement: 'New rules' }, 'legacy');
		const deleted = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u2' }, 'legacy');
		await trigger.receive(updated);
		await trigger.receive(deleted);
		expect(await emittedJson(trigger)).toEqual([
			[{ event: 'announcementUpdated', groupId: GROUP_ID, operator: 'u2', timestamp: updated.timestamp, callId: updated.callId, announcement: 'New rules', callback: updated }],
			[{ event: 'announcementDeleted', groupId: GROUP_ID, operator: 'u2', timestamp: deleted.timestamp, callId: deleted.callId, callback: deleted }],
		]);
	});

	it.each(['string', 'object'] as const)('upload_file with reason as an escaped JSON %s: the file with all its fields', async (legacyReason) => {
		const trigger = activeTrigger();
		const shared = file('f9', 'Q3 报告 "final".pdf');
		const body = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u3', file: shared }, 'legacy', { legacyReason });
		expect(typeof (body.payload as IDataObject).reason).toBe(legacyReason);
		await trigger.receive(body);
		expect(await emittedJson(trigger)).toEqual([[{ event: 'fileShared', groupId: GROUP_ID, operator: 'u3', timestamp: body.timestamp, callId: body.callId, file: shared, callback: body }]]);
	});

	it('delete_file: the reason is the file ID', async () => {
		const trigger = activeTrigger();
		const body = signed({ kind: 'deleteFile', groupId: GROUP_ID, operator: 'u3', fileId: 'f9' }, 'legacy');
		await trigger.receive(body);
		const [[item]] = await emittedJson(trigger);
		expect([item.event, item.file, item.groupId]).toEqual(['fileRemoved', { file_id: 'f9' }, GROUP_ID]);
	});

	it('the group comes from muc_id when group_id is missing', async () => {
		const trigger = activeTrigger({ options: { groupIds: GROUP_ID } });
		const body = signed({ kind: 'deleteFile', groupId: GROUP_ID, operator: 'u3', fileId: 'f9' }, 'legacy');
		delete body.group_id;
		delete body.to;
		await trigger.receive(body);
		expect((await emittedJson(trigger))[0][0].groupId).toBe(GROUP_ID);
	});
});

describe('what the trigger does not know', () => {
	const futureSubEvent = () => signedBody({ appkey: APP_KEY, id: GROUP_ID, type: 'GROUP', event: 'group_op_event', operation: 'UPDATE', operator: 'u1', payload: { type: 'NAME', name: 'New name', extra: { nested: [1, 2] } } });
	const groupMessage = () => signedBody({ chat_type: 'groupchat', eventType: 'chat', from: 'u1', to: GROUP_ID, msg_id: '1', payload: { bodies: [{ type: 'txt', msg: 'hello' }] } });

	it('an unknown sub-event or a message: answered 200, no execution, nothing thrown', async () => {
		const trigger = activeTrigger();
		for (const body of [futureSubEvent(), groupMessage()]) {
			const { answer, execution } = await trigger.receive(body);
			expect(answer.status).toBe(200);
			expect(execution).toBeUndefined();
		}
		expect(trigger.executions).toHaveLength(0);
	});

	it('with Any Callback: every genuine callback as the service sent it, known events as their own items', async () => {
		const trigger = activeTrigger({ events: ['anyCallback'] });
		const future = futureSubEvent();
		const message = groupMessage();
		const known = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') });
		for (const body of [future, message, known]) await trigger.receive(body);
		expect(await emittedJson(trigger)).toEqual([
			[{ event: 'anyCallback', groupId: GROUP_ID, operator: 'u1', timestamp: future.timestamp, callId: future.callId, callback: future }],
			[{ event: 'anyCallback', groupId: GROUP_ID, operator: 'u1', timestamp: message.timestamp, callId: message.callId, callback: message }],
			[{ event: 'fileShared', groupId: GROUP_ID, operator: 'u1', timestamp: known.timestamp, callId: known.callId, file: { file_id: 'f1' }, callback: known }],
		]);
	});
});

describe('genuine, fresh and once', () => {
	it('a wrong signature is answered 401 and starts nothing; a malformed callback 400', async () => {
		const trigger = activeTrigger();
		const event: GroupEvent = { kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'x' };
		// The signature covers callId, secret and timestamp: another secret, or either field changed, fails it.
		const forged = signed(event, 'current', { secret: 'another-secret' });
		const retimed = { ...signed(event), timestamp: Date.now() + 1 };
		const renamed = { ...signed(event), callId: `${APP_KEY}_another` };
		for (const body of [forged, retimed, renamed]) {
			const { answer, execution } = await trigger.receive(body);
			expect([answer.status, execution]).toEqual([401, undefined]);
		}
		for (const body of [{ ...signed(event), security: undefined }, { ...signed(event), callId: '' }, { ...signed(event), timestamp: 'yesterday' }, 'not json', [signed(event)]]) {
			const { answer, execution } = await trigger.receive(body);
			expect([answer.status, execution]).toEqual([400, undefined]);
			expect(JSON.stringify(answer.body).length).toBeLessThanOrEqual(1000);
		}
		expect(trigger.executions).toHaveLength(0);
	});

	it('the signature is md5(callId + secret + timestamp), also over a timestamp sent as digits, in either letter case', async () => {
		const trigger = activeTrigger();
		const body = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		expect(body.security).toBe(callbackSecurity(String(body.callId), SECRET, Number(body.timestamp)));
		const asText = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		asText.timestamp = String(asText.timestamp);
		const upper = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		upper.security = String(upper.security).toUpperCase();
		for (const candidate of [body, asText, upper]) expect((await trigger.receive(candidate)).answer.status).toBe(200);
		expect(await emittedJson(trigger)).toHaveLength(3);
	});

	it('a body n8n did not parse (no JSON content type) is read from its raw bytes', async () => {
		const trigger = activeTrigger();
		const body = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		const { answer } = await trigger.receive({}, { rawBody: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'text/plain' } });
		expect(answer.status).toBe(200);
		expect((await emittedJson(trigger))[0][0].callId).toBe(body.callId);
	});

	it('version 1.1: a body of a content type n8n leaves unread (application/octet-stream) is read by the node; version 1 still works', async () => {
		const body = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		const trigger = activeTrigger();
		const { answer } = await trigger.receive({}, { rawBody: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/octet-stream' } });
		expect(answer.status).toBe(200);
		expect((await emittedJson(trigger))[0][0].callId).toBe(body.callId);
		const versionOne = new ActiveWebhook(bed.engine, { ...callbackTriggerNode({ events: ALL_EVENTS }, { typeVersion: 1 }), id: 'version-one-trigger' });
		const again = signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' });
		expect((await versionOne.receive({}, { rawBody: Buffer.from(JSON.stringify(again)), headers: { 'content-type': 'application/octet-stream' } })).answer.status).toBe(200);
		expect(versionOne.executions).toHaveLength(1);
	});

	it('new nodes are version 1.1: n8n evaluates an expression on every call of a version 1 webhook node (an isolate each under lazy acquisition)', () => {
		const description = bed.engine.types.getByNameAndVersion('n8n-nodes-agora-chat.chatCallbackTrigger').description;
		expect(description.version).toEqual([1, 1.1]);
		expect(description.defaultVersion).toBe(1.1);
	});

	it('Max Age (default 15 minutes): older or further ahead is refused 401; 0 turns it off', async () => {
		const event: GroupEvent = { kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' };
		const minutes = (n: number) => Date.now() + n * 60_000;
		const trigger = activeTrigger();
		const outcomes = [];
		for (const timestamp of [minutes(-16), minutes(-14), minutes(16), minutes(-24 * 60)]) outcomes.push((await trigger.receive(signed(event, 'current', { timestamp }))).answer.status);
		expect(outcomes).toEqual([401, 200, 401, 401]);
		const lenient = activeTrigger({ options: { maxAgeMinutes: 0 } });
		expect((await lenient.receive(signed(event, 'current', { timestamp: minutes(-24 * 60) }))).answer.status).toBe(200);
		const strict = activeTrigger({ options: { maxAgeMinutes: 1 } });
		expect((await strict.receive(signed(event, 'current', { timestamp: minutes(-2) }))).answer.status).toBe(401);
		expect([trigger.executions.length, lenient.executions.length, strict.executions.length]).toEqual([1, 1, 0]);
	});

	it('the same callId twice (one after the other, or both at once) starts one execution; both are answered 200', async () => {
		const trigger = activeTrigger();
		const first = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') });
		const answers = [(await trigger.receive(first)).answer];
		const concurrent = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f2') });
		answers.push(...(await Promise.all([trigger.receive(concurrent), trigger.receive({ ...concurrent }), trigger.receive(first)])).map(({ answer }) => answer));
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
		expect((await emittedJson(trigger)).map((items) => items.map((item) => (item.file as IDataObject).file_id))).toEqual([['f1'], ['f2']]);
		// Another trigger (another workflow) gets its own copy of the same callback.
		const other = new ActiveWebhook(bed.engine, { ...callbackTriggerNode({ events: ALL_EVENTS }), id: 'another-trigger' });
		await other.receive(first);
		expect(other.executions).toHaveLength(1);
	});

	it('the answers: short JSON saying whether an execution started (the service reads at most 1,000 characters)', async () => {
		const trigger = activeTrigger({ events: ['fileShared'] });
		const body = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') });
		const answers = [await trigger.receive(body), await trigger.receive(body), await trigger.receive(signed({ kind: 'deleteFile', groupId: GROUP_ID, operator: 'u1', fileId: 'f1' }))].map(({ answer }) => answer);
		expect(answers).toEqual([
			{ status: 200, body: { received: true, started: true } },
			{ status: 200, body: { received: true, started: false, reason: 'duplicate callId' } },
			{ status: 200, body: { received: true, started: false, reason: 'not among the Events and Group IDs the trigger watches' } },
		]);
	});

	it('a callback that starts an execution is answered 200 before n8n stores and starts it (n8n alone answers only after, which took seconds under a burst)', async () => {
		const trigger = activeTrigger({ events: ['fileShared'] });
		const outcome = await trigger.receive(signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f-early') }));
		expect(outcome.answer).toEqual({ status: 200, body: { received: true, started: true } });
		expect(outcome.answeredBeforeStart).toBe(true);
		const run = await outcome.execution;
		expect(run).toBeDefined();
		expect(trigger.executions).toHaveLength(1);
		expect((await emittedJson(trigger)).map((items) => items.map((item) => (item.file as IDataObject).file_id))).toEqual([['f-early']]);
	});

	it('the secret is read from the credential once a minute, and again when a signature does not match it: a changed secret applies at once', async () => {
		const reads = jest.spyOn(bed.engine.credentials, 'getDecrypted');
		try {
			// Its own node id: a fresh entry in the process's memory of secrets.
			const trigger = new ActiveWebhook(bed.engine, { ...callbackTriggerNode({ events: ALL_EVENTS }), id: 'secret-memory-trigger' });
			const event: GroupEvent = { kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' };
			const statuses = async (secret: string, count = 1) => {
				const result = [];
				for (let index = 0; index < count; index++) result.push((await trigger.receive(signed(event, 'current', { secret }))).answer.status);
				return result;
			};
			expect(await statuses(SECRET, 5)).toEqual([200, 200, 200, 200, 200]);
			expect(reads).toHaveBeenCalledTimes(1);
			const rotated = `${SECRET}-rotated`;
			bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: rotated });
			// Until a callback signed with the new secret arrives, the old one (read less than a minute ago) still passes.
			expect(await statuses(SECRET)).toEqual([200]);
			expect(await statuses(rotated)).toEqual([200]);
			expect(await statuses(SECRET)).toEqual([401]);
			expect(await statuses('never-the-secret')).toEqual([401]);
			// Every mismatch reads the credential again (as it is now); a match does not.
			expect(reads).toHaveBeenCalledTimes(4);
		} finally {
			reads.mockRestore();
		}
	});

	it('a duplicate of a callback the workflow filtered out is still answered 200 and starts nothing', async () => {
		const trigger = activeTrigger({ events: ['fileRemoved'] });
		const body = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') });
		expect([(await trigger.receive(body)).answer.status, (await trigger.receive(body)).answer.status]).toEqual([200, 200]);
		expect(trigger.executions).toHaveLength(0);
	});
});

describe('filters', () => {
	const events: GroupEvent[] = [
		{ kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'a' },
		{ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' },
		{ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('f1') },
		{ kind: 'deleteFile', groupId: GROUP_ID, operator: 'u1', fileId: 'f1' },
		{ kind: 'uploadFile', groupId: 'another-group', operator: 'u1', file: file('f2') },
	];

	it.each([
		[['fileShared'], '', ['fileShared', 'fileShared']],
		[['announcementUpdated', 'fileRemoved'], '', ['announcementUpdated', 'fileRemoved']],
		[ALL_EVENTS, `${GROUP_ID}`, ['announcementUpdated', 'announcementDeleted', 'fileShared', 'fileRemoved']],
		[['fileShared'], `another-group, ${GROUP_ID}`, ['fileShared', 'fileShared']],
		[['fileShared'], 'another-group', ['fileShared']],
		[['anyCallback'], 'nobody', []],
	])('events %j, groups "%s": %j; every other callback answered 200 without an execution', async (selected, groupIds, expected) => {
		const trigger = activeTrigger({ events: selected, options: { groupIds } });
		for (const [index, event] of events.entries()) {
			const { answer } = await trigger.receive(signed(event, index % 2 ? 'legacy' : 'current'));
			expect(answer.status).toBe(200);
		}
		expect((await emittedJson(trigger)).flat().map((item) => item.event)).toEqual(expected);
	});
});

describe('activation and the credential', () => {
	it('activation checks the settings: a secret, an event, and the API credential for Download Files', async () => {
		await expect(activeTrigger().activate()).resolves.toBeUndefined();
		bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: '' });
		await expect(activeTrigger().activate()).rejects.toThrow('Agora Chat Callback credential: The secret is empty');
		bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: ` ${SECRET}` });
		await expect(activeTrigger().activate()).rejects.toThrow(/starts or ends with a space/);
		bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: SECRET });
		await expect(activeTrigger({ events: [] }).activate()).rejects.toThrow('No event is chosen');
		await expect(activeTrigger({ options: { downloadFiles: true } }).activate()).rejects.toThrow('Download Files needs an Agora Chat API credential');
		await expect(activeTrigger({ options: { downloadFiles: true } }, { withApiCredential: true }).activate()).resolves.toBeUndefined();
		expect(await activeTrigger().deactivate()).toBe(true);
	});

	it('an empty secret never accepts a callback, even one signed with it', async () => {
		bed.engine.credentials.set(CALLBACK_CREDENTIAL_TYPE, { secret: '' });
		const trigger = activeTrigger();
		const { answer } = await trigger.receive(signed({ kind: 'deleteAnnouncement', groupId: GROUP_ID, operator: 'u1' }, 'current', { secret: '' }));
		expect([answer.status, trigger.executions.length]).toEqual([401, 0]);
	});

	it('the credential test checks what n8n can check, and says so', async () => {
		const test = bed.engine.types.getByNameAndVersion('n8n-nodes-agora-chat.chatCallbackTrigger').methods?.credentialTest?.agoraChatCallbackSecret;
		if (!test) throw new Error('no credential test');
		const run = async (secret: string) => await test.call({} as never, { id: '1', name: 'x', type: CALLBACK_CREDENTIAL_TYPE, data: { secret } });
		expect(await run(SECRET)).toEqual({ status: 'OK', message: expect.stringContaining('a callback signed with another secret is answered 401') });
		expect((await run('')).status).toBe('Error');
		expect(await run(`${SECRET}\n`)).toEqual({ status: 'Error', message: expect.stringContaining('copy it again') });
		const description = bed.engine.types.getByNameAndVersion('n8n-nodes-agora-chat.chatCallbackTrigger').description;
		expect(description.credentials?.find((credential) => credential.name === CALLBACK_CREDENTIAL_TYPE)?.testedBy).toBe('agoraChatCallbackSecret');
	});

	it('the secret appears nowhere: not in answers, items, errors or logs', async () => {
		const trigger = activeTrigger({ options: { downloadFiles: true } }, { withApiCredential: true });
		await trigger.receive(signed({ kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'x' }));
		await trigger.receive(signed({ kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'x' }, 'current', { secret: 'wrong' }));
		await trigger.receive({ callId: 'x' });
		await trigger.receive(signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('missing-file') }));
		const runs = await trigger.settled();
		expect(runs.map((run) => Boolean(run.error))).toEqual([false, true]);
		const warnings = trigger.logs.filter((line) => line.level === 'warn').map((line) => line.message);
		expect(warnings).toEqual([expect.stringContaining('(HTTP 401): Signature does not match'), expect.stringContaining('(HTTP 400): Not an Agora Chat callback')]);
		expectNoSecrets({ answers: trigger.answers, runs: runs.map((run) => run.run), logs: trigger.logs }, [SECRET]);
	});
});

describe('changes made through the Agora Chat Group node reach the workflow, as the emulator sends them', () => {
	let trigger: ActiveWebhook;
	afterEach(async () => {
		await trigger?.close();
	});

	async function listening(format: CallbackFormat, parameters: INodeParameters = {}, legacyReason?: 'string' | 'object') {
		trigger = activeTrigger(parameters, { withApiCredential: true });
		await trigger.activate();
		const url = await trigger.listen();
		bed.emulator.callbacks.addRule({ url, secret: SECRET, format, legacyReason });
		return trigger;
	}

	async function settle() {
		await bed.emulator.callbacks.idle();
		return await trigger.settled();
	}

	it.each(['current', 'legacy'] as const)('%s format: upload, announcement set and cleared, delete: each once, in order, every delivery answered 200 at once', async (format) => {
		await listening(format);
		const uploaded = await bed.engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID }, { items: [binaryItem(Buffer.from('minutes'), 'minutes.txt', 'text/plain')] });
		await settle();
		const fileId = String(uploaded.items[0].json.file_id);
		await bed.engine.run({ resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement: 'Read the minutes' });
		await settle();
		await bed.engine.run({ resource: 'announcement', operation: 'update', groupId: GROUP_ID, announcement: '' });
		await settle();
		await bed.engine.run({ resource: 'sharedFile', operation: 'delete', groupId: GROUP_ID, fileId });
		await settle();

		const items = (await emittedJson(trigger)).map((run) => run.map((item) => [item.event, item.announcement ?? (item.file as IDataObject | undefined)?.file_id]));
		expect(items).toEqual([[['fileShared', fileId]], [['announcementUpdated', 'Read the minutes']], [['announcementDeleted', undefined]], [['fileRemoved', fileId]]]);
		const deliveries = bed.emulator.callbacks.deliveries;
		expect(deliveries.map((delivery) => [delivery.kind, delivery.delivered, delivery.attempts.length])).toEqual(
			['uploadFile', 'updateAnnouncement', 'deleteAnnouncement', 'deleteFile'].map((kind) => [kind, true, 1]),
		);
		const first = (await emittedJson(trigger))[0][0];
		expect(first.file).toEqual(format === 'legacy' ? { file_id: fileId, file_name: 'minutes.txt', file_owner: '@ppAdmin', file_size: 7, created: expect.any(Number) } : { file_id: fileId });
		expect(JSON.parse(deliveries[0].body)).toEqual(first.callback);
		// Without Download Files the trigger makes no request at all: these are the operations' own (Upload lists the group for its same-name check).
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['listFiles', 'uploadFile', 'updateAnnouncement', 'updateAnnouncement', 'deleteFile']);
	});

	it.each([
		['current', 'full', 0],
		['current', 'none', 1],
		['legacy', 'none', 0],
	] as const)('Download Files (%s format, download headers %s): the bytes, named as the Download operation names them; %d listing(s)', async (format, downloadHeaders, listings) => {
		bed.emulator.configure({ downloadHeaders });
		await listening(format, { events: ['fileShared'], options: { downloadFiles: true } });
		const content = randomBytes(50_000);
		await bed.engine.run({ resource: 'sharedFile', operation: 'upload', groupId: GROUP_ID }, { items: [binaryItem(content, 'Q3 报告.pdf', 'application/pdf')] });
		const [run] = await settle();
		expect(run.error).toBeUndefined();
		const [item] = run.outputs['Agora Chat Callback Trigger'];
		const binary = item.binary?.data;
		if (!binary) throw new Error('no binary');
		expect(sha256(await bed.engine.readBinary(binary))).toBe(sha256(content));
		expect([binary.fileName, binary.mimeType]).toEqual(['Q3 报告.pdf', 'application/pdf']);
		expect((item.json.file as IDataObject).file_name).toBe('Q3 报告.pdf');
		expect(item.pairedItem).toEqual({ item: 0 });
		// The trigger's requests: those after the upload (which lists the group once for its same-name check).
		const afterUpload = bed.emulator.requests.slice(bed.emulator.requests.findIndex((request) => request.operation === 'uploadFile') + 1);
		expect(afterUpload.filter((request) => request.operation === 'listFiles')).toHaveLength(listings);
		expect(afterUpload.filter((request) => request.operation === 'downloadFile')).toHaveLength(1);
	});

	it('Download Files: a body that ends short is fetched again and arrives whole; one that stays short fails, saying so', async () => {
		const content = randomBytes(20_000);
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'short.bin', bytes: content, contentType: 'application/octet-stream', created: bed.emulator.now() });
		await listening('legacy', { events: ['fileShared'], options: { downloadFiles: true } });
		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate' });
		await trigger.receive(signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file(stored.fileId) }));
		const [run] = await trigger.settled();
		expect(run.error).toBeUndefined();
		expect(sha256(await bed.engine.readBinary(run.outputs['Agora Chat Callback Trigger'][0].binary!.data))).toBe(sha256(content));
		expect(bed.emulator.requests.filter((request) => request.operation === 'downloadFile')).toHaveLength(2);

		bed.emulator.injectFault({ operation: 'downloadFile', type: 'truncate', times: 10 });
		await trigger.receive(signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file(stored.fileId) }));
		const [failed] = (await trigger.settled()).slice(-1);
		expect(failed.error?.message).toMatch(/^The (connection to the Agora Chat service was lost|file did not arrive whole)/);
	});

	it('Download Files for a file deleted before the execution fetched it: the error names the file; with Continue On Fail an error item', async () => {
		await listening('current', { events: ['fileShared'], options: { downloadFiles: true } });
		const body = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('gone-file') });
		await trigger.receive(body);
		const [failed] = await trigger.settled();
		expect(failed.error?.message).toMatch(/gone-file/);

		const lenient = new ActiveWebhook(bed.engine, { ...callbackTriggerNode({ events: ['fileShared'], options: { downloadFiles: true } }, { withApiCredential: true }), onError: 'continueRegularOutput' });
		await lenient.receive(signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('gone-file') }));
		const [run] = await lenient.settled();
		expect(run.error).toBeUndefined();
		expect(run.outputs['Agora Chat Callback Trigger'][0].json).toMatchObject({ event: 'fileShared', file: { file_id: 'gone-file' }, error: expect.stringMatching(/gone-file/) });
	});

	it('Download Files for a file ID ".." or a group ID ".": a failed file that names the field and sends nothing for it; with Continue On Fail the other files come whole', async () => {
		const fine = bed.emulator.addFile(GROUP_ID, { fileName: 'fine.txt', bytes: Buffer.from('fine'), contentType: 'text/plain', created: bed.emulator.now() });
		const lenient = new ActiveWebhook(bed.engine, { ...callbackTriggerNode({ events: ['fileShared'], options: { downloadFiles: true } }, { withApiCredential: true }), onError: 'continueRegularOutput' });
		const hostile = signed({ kind: 'uploadFile', groupId: GROUP_ID, operator: 'u1', file: file('..') });
		(hostile.payload as IDataObject).share_file = ['..', fine.fileId];
		await lenient.receive(hostile);
		const [run] = await lenient.settled();
		expect(run.error).toBeUndefined();
		const [refused, whole] = run.outputs['Agora Chat Callback Trigger'];
		expect(refused.binary).toBeUndefined();
		expect(refused.json).toMatchObject({ event: 'fileShared', file: { file_id: '..' }, error: expect.stringMatching(/The File ID "\.\." is not an ID/) });
		expect((await bed.engine.readBinary(whole.binary!.data)).toString()).toBe('fine');

		const strict = activeTrigger({ events: ['fileShared'], options: { downloadFiles: true } }, { withApiCredential: true });
		await strict.receive(signed({ kind: 'uploadFile', groupId: '.', operator: 'u1', file: file(fine.fileId) }));
		const [failed] = await strict.settled();
		expect(failed.error?.message).toMatch(/The Group ID "\." is not an ID/);
		expect(failed.error?.description).toMatch(/"\." and "\.\."/);

		expect(bed.emulator.requests.filter((request) => request.operation === 'downloadFile').map((request) => request.fileId)).toEqual([fine.fileId]);
		expect(bed.emulator.requests.some((request) => /\/chatgroups\/[^/]*\/?$|\/share_files\/?$/.test(request.path ?? ''))).toBe(false);
	});

	it('a bad signature, an old timestamp and a duplicate sent by the emulator\'s control endpoint', async () => {
		await listening('current');
		const event: GroupEvent = { kind: 'updateAnnouncement', groupId: GROUP_ID, operator: 'u1', announcement: 'x' };
		const bad = await bed.emulator.callbacks.send({ event, security: '0'.repeat(32) });
		const old = await bed.emulator.callbacks.send({ event, timestamp: Date.now() - 20 * 60_000 });
		const once = await bed.emulator.callbacks.send({ event, callId: `${APP_KEY}_fixed` });
		const again = await bed.emulator.callbacks.send({ event, callId: `${APP_KEY}_fixed` });
		// A refusal is retried once at once, as the service does.
		expect([bad, old, once, again].map((delivery) => delivery.attempts.map((attempt) => attempt.status))).toEqual([[401, 401], [401, 401], [200], [200]]);
		expect(await settle()).toHaveLength(1);
	});
});
