/**
 * Queue mode without a coordinator: two n8n processes pace the same app key on their own. Here
 * two pacers of one process stand in for them (the pace is kept per app URL, and the two
 * credentials reach the same emulator app by two host names), against the service's 100/s.
 */
import { AgoraChatEmulator } from '../emulator/server';
import { Engine } from '../support/engine';
import { APP_TOKEN, GROUP_ID } from './fixtures';

let emulator: AgoraChatEmulator;
const workers: Engine[] = [];

beforeAll(async () => {
	emulator = await AgoraChatEmulator.start({ rateLimitPerSecond: 100 });
	workers.push(await Engine.load(), await Engine.load());
});

afterAll(async () => {
	await emulator?.stop();
});

it('two processes share the service\'s 100 calls/s: every item succeeds, and the service refuses only a few percent', async () => {
	emulator.createGroup(GROUP_ID, { announcement: 'busy' });
	const hosts = [emulator.url, emulator.url.replace('127.0.0.1', 'localhost')];
	workers.forEach((engine, index) =>
		engine.useCredentials({ host: hosts[index], orgName: 'demo-org', appName: 'demo-app', tokenSource: 'appToken', appToken: APP_TOKEN, accessToken: '' }),
	);
	const itemsPerWorker = 400;
	const items = Array.from({ length: itemsPerWorker }, (_, index) => ({ json: { index } }));
	const runs = await Promise.all(workers.map(async (engine) => await engine.run({ resource: 'announcement', operation: 'get', groupId: GROUP_ID }, { items })));
	for (const run of runs) {
		expect(run.error).toBeUndefined();
		expect(run.items.filter((item) => item.json.announcement === 'busy')).toHaveLength(itemsPerWorker);
	}
	const answered = emulator.requests.filter((request) => request.status !== 0);
	const refused = answered.filter((request) => request.status === 429);
	// Each pacer starts at the credential's 96/s, so 192/s arrive at first: the first round is refused in part.
	expect(refused.length / answered.length).toBeLessThan(0.06);
	expect(answered.length - refused.length).toBe(2 * itemsPerWorker);
});
