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

describe('A mapped File and File Name (Get Many → Download, one item per file)', () => {
	it('are read from the item by the node, and evaluated twice per item by n8n (one File field and one Options collection, no routing of their own)', async () => {
		bed.emulator.createGroup('mirror');
		const files = [1, 2, 3].map((n) => bed.emulator.addFile('mirror', { fileName: `f${n}.txt`, bytes: Buffer.from(`file ${n}`), contentType: 'text/plain' }));
		const FILE = '={{ $json.file_id }}';
		const NAME = '={{ $json.file_name }}';
		const evaluated: Array<{ expression: string; byNode: boolean }> = [];
		const stackLimit = Error.stackTraceLimit;
		Error.stackTraceLimit = 100;
		const spy = jest.spyOn(Expression.prototype, 'resolveSimpleParameterValue');
		const original = spy.getMockImplementation() ?? (jest.requireActual('n8n-workflow').Expression.prototype.resolveSimpleParameterValue as typeof Expression.prototype.resolveSimpleParameterValue);
		spy.mockImplementation(function (this: Expression, value, ...rest) {
			if (value === FILE || value === NAME) {
				// Called from the package's own code (dist/, or its sources through the source maps), or from n8n's RoutingNode.
				const stack = new Error().stack ?? '';
				evaluated.push({ expression: value, byNode: /[/\\](dist[/\\])?(nodes|credentials|agora)[/\\]/.test(stack.split('\n').filter((line) => !/node_modules/.test(line)).slice(1).join('\n')) });
			}
			return original.call(this, value, ...rest);
		});
		let result;
		try {
			result = await bed.engine.run(
				{ resource: 'sharedFile', operation: 'download', groupId: 'mirror', fileId: FILE, binaryPropertyName: 'data', options: { fileName: NAME } },
				{ items: files.map((file) => ({ json: { file_id: file.fileId, file_name: file.fileName } })) },
			);
		} finally {
			spy.mockRestore();
			Error.stackTraceLimit = stackLimit;
		}
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.binary?.data.fileName)).toEqual(files.map((file) => file.fileName));
		const count = (expression: string, byNode: boolean) => evaluated.filter((entry) => entry.expression === expression && entry.byNode === byNode).length / files.length;
		// n8n 2.x evaluates every property's value twice per item (its item loop, and once more to check the base URL).
		expect({ fileByNode: count(FILE, true), nameByNode: count(NAME, true), fileByN8n: count(FILE, false), nameByN8n: count(NAME, false) }).toEqual({
			fileByNode: 0,
			nameByNode: 0,
			fileByN8n: 2,
			nameByN8n: 2,
		});
	});

	it('read from the item only when they name a field of it; any other expression n8n evaluates, with the same result', async () => {
		bed.emulator.createGroup('forms');
		const file = bed.emulator.addFile('forms', { fileName: 'a.txt', bytes: Buffer.from('a'), contentType: 'text/plain' });
		const item = { json: { file_id: ` ${file.fileId} `, meta: { 'file-id': file.fileId, name: 'meta.txt' }, n: 7 } };
		const forms: Array<[string, string, string]> = [
			['={{ $json.file_id }}', '={{ $json.meta.name }}', 'meta.txt'],
			['={{$json["meta"]["file-id"]}}', "={{ $json['meta'].name }}", 'meta.txt'],
			['={{ $json.file_id.trim() }}', '={{ $json.meta.name.toUpperCase() }}', 'META.TXT'],
			['={{ $json.meta["file-id"] }}', '=copy-{{ $json.n }}.txt', 'copy-7.txt'],
			['={{ $json.file_id }}', '={{ $json.n }}', '7'],
		];
		for (const [fileId, fileName, expected] of forms) {
			const { items, error } = await bed.engine.run(
				{ resource: 'sharedFile', operation: 'download', groupId: 'forms', fileId: { __rl: true, mode: 'id', value: fileId }, binaryPropertyName: 'data', options: { fileName } },
				{ items: [item] },
			);
			expect({ fileId, fileName, error: error?.message, name: items[0]?.binary?.data.fileName }).toEqual({ fileId, fileName, error: undefined, name: expected });
		}
	});

	it('read from the item still go through the path checks: a mapped File or Group "." or ".." is refused, naming the field, and nothing is sent', async () => {
		bed.emulator.createGroup('kept');
		const file = bed.emulator.addFile('kept', { fileName: 'keep.txt', bytes: Buffer.from('keep'), contentType: 'text/plain' });
		for (const [operation, fields, json, refusal] of [
			['delete', { groupId: 'kept', fileId: '={{ $json.file_id }}' }, { file_id: '..' }, /^The File ID "\.\." is not an ID/],
			['download', { groupId: 'kept', fileId: { __rl: true, mode: 'id', value: '={{ $json.file_id }}' } }, { file_id: '.' }, /^The File ID "\." is not an ID/],
			['delete', { groupId: '={{ $json.group }}', fileId: file.fileId }, { group: '..' }, /^The Group ID "\.\." is not an ID/],
		] as const) {
			bed.emulator.requests.length = 0;
			const { error, items } = await bed.engine.run({ resource: 'sharedFile', operation, binaryPropertyName: 'data', ...fields }, { items: [{ json }] });
			expect({ operation, items, error: error?.message }).toEqual({ operation, items: [], error: expect.stringMatching(refusal) });
			expect(bed.emulator.requests).toEqual([]);
		}
		expect(bed.emulator.listFiles('kept').map((kept) => kept.fileId)).toEqual([file.fileId]);
	});
});
