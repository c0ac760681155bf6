/**
 * Issue 17, point 2: a group's file names come from its members. Every example that writes a
 * group file to disk (sync-files, save-new-files) makes its name one safe file name, so that a
 * member who shares "../x" cannot make n8n write outside the inbox (into the sync's outbox, which
 * the next run would upload). Each example runs whole, with the real Read/Write Files node.
 */
import { EXAMPLE_BASE_NODES, loadExample, prepareExample } from '../support/examples';
import type { WorkflowFile } from '../support/engine';
import { filesFolder } from '../support/n8n-env';
import { freshFolder, joinPath, listFilesDeep, readFile } from '../support/node';
import { ActivePoller, TRIGGER_NODE_TYPE } from '../support/polling';
import { GROUP_ID, useTestBed } from './fixtures';

const bed = useTestBed({ binaryMode: 'filesystem' });

/** Hostile names and the one safe name each gets in the inbox (the examples' shared rule). */
const HOSTILE_NAMES: Array<[string, string]> = [
	['../x', '.._x'],
	['a/b', 'a_b'],
	['..', '_..'],
	['.', '_.'],
	['C:\\x', 'C__x'],
	['../../outbox/evil.sh', '.._.._outbox_evil.sh'],
	//NUL
	['报告 2026.pdf', '报告 2026.pdf'],
];

beforeAll(async () => {
	await bed.engine.loadBaseNodes([...EXAMPLE_BASE_NODES]);
});

function shareHostileFiles(): Map<string, Buffer> {
	const contents = new Map<string, Buffer>();
	for (const [name] of HOSTILE_NAMES) {
		const bytes = Buffer.from(`shared as ${JSON.stringify(name)}`);
		bed.emulator.addFile(GROUP_ID, { fileName: name, bytes });
		contents.set(name, bytes);
	}
	return contents;
}

function expectOnlyInInbox(root: string, contents: Map<string, Buffer>): void {
	// Every file written anywhere below the root is one of the inbox's, under its safe name, with its bytes.
	expect(listFilesDeep(root)).toEqual(HOSTILE_NAMES.map(([, safe]) => joinPath('inbox', safe)).sort());
	for (const [name, safe] of HOSTILE_NAMES) expect(readFile(joinPath(root, 'inbox', safe)).equals(contents.get(name)!)).toBe(true);
}

it('sync-files: every hostile name lands inside the inbox as one safe file name; the outbox stays empty', async () => {
	bed.engine.clearDeduplicationHistory();
	const root = freshFolder(joinPath(filesFolder, 'hostile-sync'));
	const outbox = freshFolder(joinPath(root, 'outbox'));
	const inbox = freshFolder(joinPath(root, 'inbox'));
	const contents = shareHostileFiles();
	const workflow = prepareExample(loadExample('sync-files'), { groupId: GROUP_ID, outboxFolder: outbox, inboxFolder: inbox });
	const { error, outputs } = await bed.engine.runWorkflow(workflow);
	expect(error).toBeUndefined();
	expect(outputs['Save to the inbox folder']).toHaveLength(HOSTILE_NAMES.length);
	expectOnlyInInbox(root, contents);
	expect(bed.emulator.requests.filter((request) => request.operation === 'uploadFile')).toEqual([]);
});

it('save-new-files: every hostile name shared after activation lands inside the inbox as one safe file name', async () => {
	const root = freshFolder(joinPath(filesFolder, 'hostile-trigger'));
	const inbox = freshFolder(joinPath(root, 'inbox'));
	const workflow = prepareExample(loadExample('save-new-files'), { inboxFolder: inbox }) as WorkflowFile;
	const trigger = workflow.nodes.find((node) => node.type === TRIGGER_NODE_TYPE)!;
	trigger.parameters.groupId = GROUP_ID;
	const poller = new ActivePoller(bed.engine, trigger);
	expect((await poller.activate()).emitted).toBeNull();
	const contents = shareHostileFiles();
	const { emitted, error: pollError } = await poller.poll();
	expect(pollError).toBeUndefined();
	expect(emitted).toHaveLength(HOSTILE_NAMES.length);
	const { error } = await bed.engine.runWorkflow(workflow, { triggerItems: emitted! });
	expect(error).toBeUndefined();
	expectOnlyInInbox(root, contents);
});
