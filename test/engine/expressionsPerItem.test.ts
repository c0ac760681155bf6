/**
 * Throughput: n8n evaluates every `{{ }}` of a declarative description once per item (n8n 2.x's
 * default vm engine: about 1 ms each). The node's own description must not make n8n evaluate
 * any: the base URL and the paths are built in code.
 */
import { Expression } from 'n8n-workflow';

// The engine loads the built package: spy on the module it runs.
import * as validation from '../../dist/nodes/ChatGroup/shared/validation';
import { GROUP_ID, appTokenCredentials, useTestBed } from './fixtures';

const { requireIdentifiers } = validation;

const bed = useTestBed();
const USER_EXPRESSION = '={{ $json.group }}';

function recordExpressions(): { evaluated: string[]; restore: () => void } {
	const evaluated: string[] = [];
	const spy = jest.spyOn(Expression.prototype, 'resolveSimpleParameterValue');
	const original = spy.getMockImplementation();
	spy.mockImplementation(function (this: Expression, value, ...rest) {
		if (typeof value === 'string' && value.startsWith('=')) evaluated.push(value);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		return (original ?? (jest.requireActual('n8n-workflow').Expression.prototype.resolveSimpleParameterValue as any)).call(this, value, ...rest);
	});
	return { evaluated, restore: () => spy.mockRestore() };
}

describe('Expressions n8n evaluates per item', () => {
	const cases: Array<[string, Record<string, unknown>, () => void]> = [
		['Announcement Get', { resource: 'announcement', operation: 'get' }, () => undefined],
		['Announcement Update', { resource: 'announcement', operation: 'update', announcement: 'Stand-up at 9:30' }, () => undefined],
		['Shared File Get Many', { resource: 'sharedFile', operation: 'getAll', returnAll: true }, () => undefined],
	];

	it.each(cases)('%s: none from the node description', async (_name, parameters) => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Yesterday');
		const recorder = recordExpressions();
		let result;
		try {
			// The user's own expression (mapped group id) is evaluated, and shows that the recording works.
			result = await bed.engine.run({ ...parameters, groupId: { __rl: true, mode: 'id', value: USER_EXPRESSION } }, { items: [1, 2, 3].map((n) => ({ json: { n, group: GROUP_ID } })) });
		} finally {
			recorder.restore();
		}
		expect(result.error).toBeUndefined();
		expect(bed.emulator.requests.length).toBeGreaterThanOrEqual(1);
		expect(recorder.evaluated.filter((expression) => expression === USER_EXPRESSION).length).toBeGreaterThanOrEqual(3);
		const fromDescription = recorder.evaluated.filter((expression) => expression !== USER_EXPRESSION);
		expect(fromDescription).toEqual([]);
	});

	it('the group id still reaches the path as one encoded segment', async () => {
		const awkward = 'a/b ?#c';
		bed.emulator.createGroup(awkward);
		bed.emulator.setAnnouncement(awkward, 'Odd');
		const { items, error } = await bed.engine.run({ resource: 'announcement', operation: 'get', groupId: `  ${awkward} ` });
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({ groupId: awkward, announcement: 'Odd' });
		expect(bed.emulator.requests[0].rawPath).toBe(`/demo-org/demo-app/chatgroups/${encodeURIComponent(awkward)}/announcement`);
	});
});

describe('Preparing items while the first request is under way', () => {
	it('each item is checked only at its turn of the pace, after the request before it has left', async () => {
		const groups = ['prep-0', 'prep-1', 'prep-2', 'prep-3'];
		for (const group of groups) {
			bed.emulator.createGroup(group);
			bed.emulator.setAnnouncement(group, `About ${group}`);
		}
		// 5 per second: a second's requests are spread over half of it, 100 ms apart, far more than one takes over loopback.
		bed.engine.useCredentials({ ...appTokenCredentials(bed.emulator), requestsPerSecond: 5 });
		const requestsSentWhenChecked: number[] = [];
		const spy = jest.spyOn(validation, 'requireIdentifiers');
		spy.mockImplementation((context) => {
			requestsSentWhenChecked[context.getItemIndex()] = bed.emulator.requests.length;
			requireIdentifiers(context);
		});
		let result;
		try {
			result = await bed.engine.run(
				{ resource: 'announcement', operation: 'get', groupId: { __rl: true, mode: 'id', value: USER_EXPRESSION } },
				{ items: groups.map((group) => ({ json: { group } })) },
			);
		} finally {
			spy.mockRestore();
		}
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.announcement)).toEqual(groups.map((group) => `About ${group}`));
		// n8n prepares all four items first; the node's own work for item k waits until k requests have left.
		expect(requestsSentWhenChecked).toEqual([0, 1, 2, 3]);
	});
});
