/** The emulator's callbacks: what each REST change sends, signed, in both formats, and how deliveries are retried. */
import axios from 'axios';
import { createHash, randomBytes } from 'crypto';
import Fastify, { type FastifyInstance } from 'fastify';

import { AgoraChatEmulator, DEFAULT_APP_TOKEN } from './server';

const GROUP = 'group-1';
const APP_KEY = 'demo-org#demo-app';
const SECRET = randomBytes(12).toString('hex');
const http = axios.create({ validateStatus: () => true, headers: { Authorization: `Bearer ${DEFAULT_APP_TOKEN}` } });

interface Received {
	body: Record<string, unknown>;
	contentType?: string;
}

/** A receiver that records every POST and answers with the next scripted status (200 when the script is empty). */
class Receiver {
	readonly received: Received[] = [];
	script: Array<{ status: number; body?: string }> = [];
	private server!: FastifyInstance;
	url = '';

	async start(): Promise<void> {
		this.server = Fastify({ logger: false });
		this.server.post('/hook', async (request, reply) => {
			this.received.push({ body: request.body as Record<string, unknown>, contentType: request.headers['content-type'] });
			const next = this.script.shift() ?? { status: 200 };
			await reply.code(next.status).send(next.body ?? 'ok');
		});
		await this.server.listen({ host: '127.0.0.1', port: 0 });
		const address = this.server.server.address();
		this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
	}

	async stop(): Promise<void> {
		await this.server.close();
	}
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

let emulator: AgoraChatEmulator;
let receiver: Receiver;

beforeAll(async () => {
	emulator = await AgoraChatEmulator.start({ rateLimitPerSecond: 0 });
	receiver = new Receiver();
	await receiver.start();
});

afterAll(async () => {
	await emulator.stop();
	await receiver.stop();
});

beforeEach(() => {
	emulator.reset();
	emulator.createGroup(GROUP, { announcement: 'hello' });
	receiver.received.length = 0;
	receiver.script = [];
});

const groupUrl = (path: string) => `${emulator.url}/demo-org/demo-app/chatgroups/${GROUP}/${path}`;

async function upload(fileName: string, content: string): Promise<Record<string, unknown>> {
	const form = new FormData();
	form.append('file', new Blob([content], { type: 'text/plain' }), fileName);
	const response = await http.post(groupUrl('share_files'), form);
	expect(response.status).toBe(200);
	return response.data.data;
}

async function changes(): Promise<{ fileId: string; created: number }> {
	await http.post(groupUrl('announcement'), { announcement: 'Stand-up at 9:30' });
	const uploaded = await upload('minutes.txt', 'minutes');
	await http.post(groupUrl('announcement'), { announcement: '' });
	await http.delete(groupUrl(`share_files/${uploaded.file_id}`));
	await emulator.callbacks.idle();
	return { fileId: String(uploaded.file_id), created: Number(uploaded.created) };
}

describe('what REST changes send', () => {
	it('current format: the documented JSON, signed md5(callId + secret + timestamp)', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET, format: 'current' });
		const { fileId } = await changes();
		const bodies = receiver.received.map((entry) => entry.body);
		expect(receiver.received.every((entry) => entry.contentType === 'application/json')).toBe(true);
		const common = { appkey: APP_KEY, id: GROUP, type: 'GROUP', event: 'group_op_event', operator: '@ppAdmin' };
		expect(bodies).toEqual([
			{ callId: expect.any(String), security: expect.any(String), ...common, operation: 'UPDATE', timestamp: expect.any(Number), payload: { type: 'ANNOUNCEMENT', announcement: 'Stand-up at 9:30' } },
			{ callId: expect.any(String), security: expect.any(String), ...common, operation: 'SHARE_FILE', timestamp: expect.any(Number), payload: { type: 'ADD', share_file: [fileId] } },
			{ callId: expect.any(String), security: expect.any(String), ...common, operation: 'UPDATE', timestamp: expect.any(Number), payload: { type: 'ANNOUNCEMENT' } },
			{ callId: expect.any(String), security: expect.any(String), ...common, operation: 'SHARE_FILE', timestamp: expect.any(Number), payload: { type: 'REMOVE', share_file: [fileId] } },
		]);
		for (const body of bodies) {
			expect(body.callId).toMatch(new RegExp(`^${APP_KEY}_[0-9a-f-]{36}$`));
			expect(body.security).toBe(md5(`${body.callId}${SECRET}${body.timestamp}`));
		}
		expect(new Set(bodies.map((body) => body.callId)).size).toBe(4);
	});

	it.each(['string', 'object'] as const)('older format, upload_file reason as a %s', async (legacyReason) => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET, format: 'legacy', legacyReason });
		const { fileId, created } = await changes();
		const bodies = receiver.received.map((entry) => entry.body);
		const payload = (operation: string, reason: unknown) => ({
			muc_id: `${APP_KEY}_${GROUP}@conference.easemob.com`,
			reason,
			is_chatroom: false,
			operation,
			status: { description: '', error_code: 'ok' },
		});
		const data = { data: { file_id: fileId, file_name: 'minutes.txt', file_owner: '@ppAdmin', file_size: 7, created } };
		expect(bodies.map((body) => body.payload)).toEqual([
			payload('update_announcement', 'Stand-up at 9:30'),
			payload('upload_file', legacyReason === 'string' ? JSON.stringify(data) : data),
			payload('delete_announcement', ''),
			payload('delete_file', fileId),
		]);
		for (const body of bodies) {
			expect(Object.keys(body).sort()).toEqual(['callId', 'chat_type', 'eventType', 'from', 'group_id', 'host', 'msg_id', 'payload', 'security', 'timestamp', 'to'].sort());
			expect([body.chat_type, body.eventType, body.group_id, body.to, body.from]).toEqual(['muc', 'chat', GROUP, GROUP, '@ppAdmin']);
			expect(body.callId).toBe(`${APP_KEY}_${body.msg_id}`);
			expect(body.security).toBe(md5(`${body.callId}${SECRET}${body.timestamp}`));
		}
	});

	it('a rule sends only its events; state changed through the admin API sends nothing', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET, events: ['uploadFile', 'deleteFile'] });
		await changes();
		emulator.setAnnouncement(GROUP, 'direct');
		emulator.addFile(GROUP, { fileName: 'direct.txt', bytes: Buffer.from('x') });
		await emulator.callbacks.idle();
		expect(receiver.received.map((entry) => (entry.body.payload as Record<string, unknown>).type)).toEqual(['ADD', 'REMOVE']);
	});

	it('two rules: each gets its own callback (own callId, own secret)', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET });
		emulator.callbacks.addRule({ url: receiver.url, secret: 'other-secret', format: 'legacy' });
		await http.post(groupUrl('announcement'), { announcement: 'x' });
		await emulator.callbacks.idle();
		const [a, b] = receiver.received.map((entry) => entry.body);
		expect(a.callId).not.toBe(b.callId);
		expect(b.security).toBe(md5(`${b.callId}other-secret${b.timestamp}`));
	});
});

describe('delivery', () => {
	it('a non-200 answer is retried once at once, then dropped; a 200 on the retry is a delivery', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET });
		receiver.script = [{ status: 500 }, { status: 503 }, { status: 401 }, { status: 200 }];
		await http.post(groupUrl('announcement'), { announcement: 'one' });
		await emulator.callbacks.idle();
		await http.post(groupUrl('announcement'), { announcement: 'two' });
		await emulator.callbacks.idle();
		const deliveries = emulator.callbacks.deliveries;
		expect(deliveries.map((delivery) => [delivery.attempts.map((attempt) => attempt.status), delivery.delivered])).toEqual([
			[[500, 503], false],
			[[401, 200], true],
		]);
		expect(receiver.received[0].body.callId).toBe(receiver.received[1].body.callId);
	});

	it('a 200 with a body over 1,000 characters counts as a failure', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET });
		receiver.script = [{ status: 200, body: 'x'.repeat(1001) }, { status: 200, body: 'x'.repeat(1000) }];
		await http.post(groupUrl('announcement'), { announcement: 'one' });
		await emulator.callbacks.idle();
		expect(emulator.callbacks.deliveries[0].attempts.map((attempt) => [attempt.bodyLength, Boolean(attempt.error)])).toEqual([
			[1001, true],
			[1000, false],
		]);
	});

	it('90 failures within 30 s suspend the rule for 5 minutes', async () => {
		emulator.callbacks.addRule({ url: receiver.url, secret: SECRET });
		receiver.script = Array.from({ length: 90 }, () => ({ status: 500 }));
		for (let index = 0; index < 46; index++) {
			await http.post(groupUrl('announcement'), { announcement: `n${index}` });
			await emulator.callbacks.idle();
		}
		const deliveries = emulator.callbacks.deliveries;
		expect(deliveries.slice(0, 45).every((delivery) => delivery.attempts.length === 2 && !delivery.delivered)).toBe(true);
		expect(deliveries[45]).toMatchObject({ suspended: true, attempts: [] });
		expect(receiver.received).toHaveLength(90);
		emulator.advanceClock(5 * 60_000 + 1);
		await http.post(groupUrl('announcement'), { announcement: 'after' });
		await emulator.callbacks.idle();
		expect(emulator.callbacks.deliveries.at(-1)).toMatchObject({ delivered: true });
	});
});

describe('the admin API', () => {
	const admin = async (method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown) => {
		const response = await http.request({ method, url: `${emulator.url}/_emulator/${route}`, data: body });
		return response;
	};

	it('rules, the control endpoint (bad signature, duplicate callId, old timestamp, missing field, any body) and the delivery log', async () => {
		const rule = (await admin('POST', 'callbacks/rules', { url: receiver.url, secret: SECRET, format: 'current' })).data;
		expect(rule).toMatchObject({ id: 'rule-1', format: 'current', events: [] });
		expect((await admin('POST', 'callbacks/rules', { url: 'ftp://x', secret: SECRET })).status).toBe(400);
		const event = { kind: 'updateAnnouncement', groupId: GROUP, operator: 'u1', announcement: 'x' };
		const sent = async (extra: Record<string, unknown>) => (await admin('POST', 'callbacks/send', { event, ...extra })).data;
		const bad = await sent({ security: 'f'.repeat(32) });
		const first = await sent({ callId: `${APP_KEY}_dup` });
		const again = await sent({ callId: `${APP_KEY}_dup` });
		const old = await sent({ timestamp: 1_600_000_000_000 });
		const missing = await sent({ omit: ['security'], retry: false });
		const message = await sent({ event: undefined, body: { chat_type: 'chat', from: 'u1', to: 'u2', payload: { bodies: [] } } });
		const bodies = receiver.received.map((entry) => entry.body);
		expect(bodies[0].security).toBe('f'.repeat(32));
		expect([bodies[1].callId, bodies[2].callId]).toEqual([`${APP_KEY}_dup`, `${APP_KEY}_dup`]);
		expect(bodies[3]).toMatchObject({ timestamp: 1_600_000_000_000, security: md5(`${old.callId}${SECRET}1600000000000`) });
		expect('security' in bodies[4]).toBe(false);
		expect(bodies[5]).toMatchObject({ chat_type: 'chat', security: md5(`${message.callId}${SECRET}${bodies[5].timestamp}`) });
		expect([bad, first, again, old, missing, message].map((delivery) => delivery.delivered)).toEqual([true, true, true, true, true, true]);
		expect((await admin('GET', 'callbacks/deliveries')).data).toHaveLength(6);
		// Without waiting: the answer comes at once, the delivery follows (a burst is sent this way); a wrong request is still refused.
		const queued = (await admin('POST', 'callbacks/send', { event, callId: `${APP_KEY}_queued`, wait: false })).data;
		expect(queued).toEqual({ queued: true, callId: `${APP_KEY}_queued` });
		expect((await admin('POST', 'callbacks/send', { ruleId: 'rule-9', event, wait: false })).status).toBe(400);
		await admin('POST', 'callbacks/idle');
		expect(receiver.received.at(-1)?.body.callId).toBe(`${APP_KEY}_queued`);
		expect((await admin('GET', 'callbacks/rules')).data).toHaveLength(1);
		await admin('POST', 'reset');
		expect((await admin('GET', 'callbacks/rules')).data).toEqual([]);
	});
});
