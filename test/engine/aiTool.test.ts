/**
 * The node as an AI tool (`chatGroupTool`), run by n8n-core the way n8n runs a tool call (see
 * support/aiTool.ts): what the model is offered (name, description, JSON schema from `$fromAI()`),
 * what it gets back, and that bad arguments come back to it as an error it can act on, with no
 * request sent where the input is invalid and no stopped execution.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { GROUP_ID, useTestBed } from './fixtures';
import type { ToolCallOptions } from '../support/engine';

const bed = useTestBed();

const GROUP = { __rl: true, mode: 'id', value: "={{ $fromAI('groupId', 'The ID of the chat group', 'string') }}" };
const FILE = { __rl: true, mode: 'id', value: "={{ $fromAI('fileId', 'The file_id of a shared file, as Get Many returns it', 'string') }}" };
const ANNOUNCEMENT = "={{ $fromAI('announcement', 'The new announcement text, at most 512 characters', 'string') }}";
const MAX_TOOL_NAME_LENGTH = 64;

const updateTool: INodeParameters = { resource: 'announcement', operation: 'update', groupId: GROUP, announcement: ANNOUNCEMENT };
const getTool: INodeParameters = { resource: 'announcement', operation: 'get', groupId: GROUP };
const getManyTool: INodeParameters = { resource: 'sharedFile', operation: 'getAll', groupId: GROUP };
const downloadTool: INodeParameters = { resource: 'sharedFile', operation: 'download', groupId: GROUP, fileId: FILE };
const deleteTool: INodeParameters = { resource: 'sharedFile', operation: 'delete', groupId: GROUP, fileId: FILE };

/** The error text the model reads, from the tool's answer `[{ error }]`. */
function modelError(answer: unknown): string {
	const [item] = answer as IDataObject[];
	expect(Object.keys(item)).toEqual(['error']);
	return String(item.error);
}

async function call(parameters: INodeParameters, args: Record<string, unknown>, options?: ToolCallOptions) {
	const result = await bed.engine.callTool(parameters, args, options);
	if (result.thrown && result.answer === undefined) throw new Error(`the tool call failed: ${result.thrown}`);
	return result;
}

describe('what a model is offered', () => {
	const operations: Array<[string, string, INodeParameters]> = [
		['announcement', 'get', getTool],
		['announcement', 'update', updateTool],
		['sharedFile', 'getAll', getManyTool],
		['sharedFile', 'download', downloadTool],
		['sharedFile', 'delete', deleteTool],
	];

	it.each(operations)('%s %s: the automatic description is "<action> in Agora Chat Group", the parameters are its $fromAI() keys', async (resource, operation, parameters) => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Hi');
		const { tools } = await bed.engine.callTool(parameters, { groupId: GROUP_ID, announcement: 'Hi', fileId: 'none' }, { via: 'invoke' });
		const action = bed.engine.nodeDescription.properties
			.find((property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource))
			?.options?.find((option) => 'value' in option && option.value === operation) as { action?: string } | undefined;
		expect(tools).toHaveLength(1);
		expect(tools[0].description).toBe(`${action?.action} in Agora Chat Group`);
		expect(Object.values(tools[0].parameters).every((parameter) => parameter.type === 'string' && parameter.description)).toBe(true);
	});

	it('each operation\'s action names what it does in at most 44 characters, so that the name n8n gives a new tool node ("<action> in Agora Chat Group") is a tool name OpenAI accepts (n8n 1.x does not shorten it)', () => {
		const names = bed.engine.nodeDescription.properties
			.filter((property) => property.name === 'operation')
			.flatMap((property) => (property.options ?? []) as Array<{ action?: string }>)
			.map((option) => `${option.action} in ${bed.engine.nodeDescription.defaults.name}`.replace(/[^a-zA-Z0-9_-]+/g, '_'));
		expect(names).toHaveLength(6);
		for (const name of names) expect(name.length).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
	});

	it('destructive operations say so in what the model and the user read', () => {
		const options = bed.engine.nodeDescription.properties
			.filter((property) => property.name === 'operation')
			.flatMap((property) => (property.options ?? []) as Array<{ value: string; action?: string; description?: string }>);
		const byValue = (value: string) => options.filter((option) => option.value === value).map((option) => `${option.action} / ${option.description}`).join('');
		expect(byValue('delete')).toMatch(/^Permanently delete.*cannot be restored/);
		expect(byValue('update')).toMatch(/^Overwrite.*overwritten, not kept/);
		const upload = JSON.stringify(bed.engine.nodeDescription.properties.filter((property) => property.name === 'options'));
		expect(upload).toContain('Destructive: deletes every older file of that name');
	});
});

describe('answers a model can use', () => {
	it('Update: the announcement changes with one request; the answer is { groupId, result: true }', async () => {
		const { answer, error } = await call(updateTool, { groupId: GROUP_ID, announcement: 'Stand-up at 10' });
		expect(error).toBeUndefined();
		expect(answer).toEqual([{ groupId: GROUP_ID, result: true }]);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('Stand-up at 10');
		expect(bed.emulator.requests.map((request) => request.operation)).toEqual(['updateAnnouncement']);
	});

	it('Get Many (node version 1.1, the editor\'s for a new node): at most 10 files unless the tool\'s Limit says otherwise, from one page of 10', async () => {
		for (let index = 0; index < 25; index++) bed.emulator.addFile(GROUP_ID, { fileName: `f-${index}.txt`, bytes: Buffer.from(String(index)), created: Date.now() - (25 - index) * 1000 });
		const { answer } = await call(getManyTool, { groupId: GROUP_ID });
		expect((answer as IDataObject[]).map((file) => file.file_name)).toEqual(Array.from({ length: 10 }, (_, index) => `f-${24 - index}.txt`));
		expect(bed.emulator.requests.map((request) => `${request.operation} ${request.query.pagesize}`)).toEqual(['listFiles 10']);

		const three = await call({ ...getManyTool, toolLimit: "={{ $fromAI('limit', 'How many files, newest first', 'number') }}" }, { groupId: GROUP_ID, limit: 3 });
		expect((three.answer as IDataObject[]).map((file) => file.file_name)).toEqual(['f-24.txt', 'f-23.txt', 'f-22.txt']);
		expect(three.tools[0].parameters.limit.type).toBe('number');
	});

	it('Get Many, node version 1 (saved before 1.1): its Limit of 50 and Return All as they were', async () => {
		for (let index = 0; index < 60; index++) bed.emulator.addFile(GROUP_ID, { fileName: `f-${index}.txt`, bytes: Buffer.from(String(index)) });
		const { answer } = await call(getManyTool, { groupId: GROUP_ID }, { typeVersion: 1 });
		expect(answer).toHaveLength(50);
		const all = await call({ ...getManyTool, returnAll: true }, { groupId: GROUP_ID }, { typeVersion: 1 });
		expect(all.answer).toHaveLength(60);
	});

	it('Get Many as a regular node: version 1.1 as version 1 (Limit 50, a Limit set, Return All)', async () => {
		for (let index = 0; index < 60; index++) bed.emulator.addFile(GROUP_ID, { fileName: `f-${index}.txt`, bytes: Buffer.from(String(index)) });
		const getMany = { resource: 'sharedFile', operation: 'getAll', groupId: GROUP_ID };
		for (const typeVersion of [1, 1.1]) {
			const counts = [];
			for (const extra of [{}, { limit: 5 }, { returnAll: true }]) counts.push((await bed.engine.run({ ...getMany, ...extra }, { typeVersion })).items.length);
			expect(counts).toEqual([50, 5, 60]);
		}
	});

	it('Download: the model gets name, size, type and IDs; the bytes stay in n8n', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'minutes.txt', bytes: Buffer.from('secret minutes'), contentType: 'text/plain' });
		const { answer, run } = await call(downloadTool, { groupId: GROUP_ID, fileId: stored.fileId });
		expect(answer).toEqual([{ groupId: GROUP_ID, fileId: stored.fileId, fileName: 'minutes.txt', mimeType: 'text/plain', fileSize: 14 }]);
		const toolOutput = run.data.resultData.runData['Agora Chat Group Tool'][0].data?.ai_tool?.[0]?.[0];
		expect(toolOutput?.binary?.data?.fileName).toBe('minutes.txt');
	});

	it('Delete: the file is gone; the answer is { group_id, file_id, result: true }', async () => {
		const stored = bed.emulator.addFile(GROUP_ID, { fileName: 'old.log', bytes: Buffer.from('x') });
		const { answer } = await call(deleteTool, { groupId: GROUP_ID, fileId: stored.fileId });
		expect(answer).toEqual([{ group_id: GROUP_ID, file_id: stored.fileId, result: true }]);
		expect(bed.emulator.listFiles(GROUP_ID)).toEqual([]);
	});
});

describe("a model's bad arguments come back to it as an error it can act on", () => {
	const cases: Array<[string, INodeParameters, Record<string, unknown>, RegExp, number]> = [
		['empty group ID', updateTool, { groupId: '', announcement: 'Hi' }, /^The Group ID is empty\. Enter the ID of the chat group/, 0],
		['blank file ID', deleteTool, { groupId: GROUP_ID, fileId: '  ' }, /^The File ID is empty\. Enter the ID of the shared file \(file_id from Shared File > Get Many/, 0],
		['600 characters of announcement', updateTool, { groupId: GROUP_ID, announcement: 'x'.repeat(600) }, /^The Announcement is 600 characters long; Agora Chat accepts at most 512\. Shorten the text/, 0],
		['an unknown group', updateTool, { groupId: '999000999', announcement: 'Hi' }, /^grpID 999000999 does not exist! Group "999000999" does not exist in this app/, 1],
		['a file the group does not have', downloadTool, { groupId: GROUP_ID, fileId: 'no-such-file' }, /no-such-file/, 1],
	];

	it.each(cases)('%s: the answer { error } says what is wrong and what to do; the execution goes on', async (_label, parameters, args, expected, requests) => {
		bed.emulator.setAnnouncement(GROUP_ID, 'Unchanged');
		const { answer, thrown, error } = await call(parameters, args);
		expect(modelError(answer)).toMatch(expected);
		expect(thrown).toBeNull();
		expect(error).toBeUndefined();
		expect(bed.emulator.requests).toHaveLength(requests);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('Unchanged');
	});

	const dotIds: Array<[string, INodeParameters, Record<string, unknown>, RegExp]> = [
		['Update with group ID ..', updateTool, { groupId: '..', announcement: 'Hi' }, /^The Group ID "\.\." is not an ID\. "\." and "\.\." \(also written %2E\) are not IDs: .*Enter the ID of the chat group/],
		['Delete with group ID .', deleteTool, { groupId: '.', fileId: 'f-1' }, /^The Group ID "\." is not an ID\. .*Enter the ID of the chat group/],
		['Delete with file ID ..', deleteTool, { groupId: GROUP_ID, fileId: '..' }, /^The File ID "\.\." is not an ID\. .*would address the whole group.*Enter the ID of the shared file/],
		['Download with file ID %2E%2E', downloadTool, { groupId: GROUP_ID, fileId: '%2E%2E' }, /^The File ID "%2E%2E" is not an ID\. .*Enter the ID of the shared file/],
	];

	it.each(dotIds)('%s: the answer { error } names the field and says what to enter; nothing is sent, the group keeps its files', async (_label, parameters, args, expected) => {
		const kept = bed.emulator.addFile(GROUP_ID, { fileName: 'keep.txt', bytes: Buffer.from('keep') });
		bed.emulator.setAnnouncement(GROUP_ID, 'Unchanged');
		const { answer, thrown, error } = await call(parameters, args);
		expect(modelError(answer)).toMatch(expected);
		expect(thrown).toBeNull();
		expect(error).toBeUndefined();
		expect(bed.emulator.requests).toHaveLength(0);
		expect(bed.emulator.listFiles(GROUP_ID).map((file) => file.fileId)).toEqual([kept.fileId]);
		expect(bed.emulator.getAnnouncement(GROUP_ID)).toBe('Unchanged');
	});

	it('invoked directly (MCP Server Trigger) with file ID ..: the thrown message names the field and what to enter; nothing is sent', async () => {
		const { answer, thrown } = await bed.engine.callTool(deleteTool, { groupId: GROUP_ID, fileId: '..' }, { via: 'invoke' });
		expect(answer).toBeUndefined();
		expect(thrown).toMatch(/^The File ID "\.\." is not an ID\. .*Enter the ID of the shared file/);
		expect(bed.emulator.requests).toHaveLength(0);
	});

	it('Upload as a tool: n8n gives a tool no binary data; the model is told so, nothing is sent', async () => {
		const { answer } = await call({ resource: 'sharedFile', operation: 'upload', groupId: GROUP }, { groupId: GROUP_ID });
		expect(modelError(answer)).toMatch(/n8n gives an AI tool no files \(binary data\), only text: Upload cannot be used by a model/);
		expect(bed.emulator.requests).toHaveLength(0);
	});

	it('invoked directly (MCP Server Trigger): the error is thrown, and n8n hands the model its message with what to do', async () => {
		const { answer, thrown } = await bed.engine.callTool(updateTool, { groupId: GROUP_ID, announcement: 'x'.repeat(600) }, { via: 'invoke' });
		expect(answer).toBeUndefined();
		// n8n appends the description to a message that lacks it ("Details: …"); in queue mode it passes the message alone.
		expect(thrown).toMatch(/^The Announcement is 600 characters long; Agora Chat accepts at most 512\. Shorten the text\. Characters are counted/);
		expect(thrown).not.toContain('Details:');
		expect(bed.emulator.requests).toHaveLength(0);
	});

	it('Settings > On Error > Stop Workflow on the tool: the error stops the execution, as the user chose', async () => {
		const { answer, error } = await bed.engine.callTool(updateTool, { groupId: '', announcement: 'Hi' }, { onError: 'stopWorkflow' });
		expect(error?.message).toBe('The Group ID is empty');
		expect(answer).toBeUndefined();
	});
});
