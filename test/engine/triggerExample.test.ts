/**
 * examples/save-new-files.json as n8n runs an active workflow: the trigger polls, and each
 * emission runs the rest of the workflow (the real Set and Read/Write Files nodes).
 */
import { loadExample, prepareExample } from '../support/examples';
import { filesFolder } from '../support/n8n-env';
import { freshFolder, joinPath, listFolder, readFile } from '../support/node';
import { ActivePoller, TRIGGER_NODE_TYPE } from '../support/polling';
import type { WorkflowFile } from '../support/engine';
import { GROUP_ID, sampleBytes, sha256, useTestBed } from './fixtures';

const bed = useTestBed({ binaryMode: 'filesystem' });

beforeAll(async () => {
	await bed.engine.loadBaseNodes(['n8n-nodes-base.set', 'n8n-nodes-base.readWriteFile']);
});

function exampleWorkflow(inbox: string): WorkflowFile {
	const workflow = prepareExample(loadExample('save-new-files'), { inboxFolder: inbox }) as WorkflowFile;
	const trigger = workflow.nodes.find((node) => node.type === TRIGGER_NODE_TYPE)!;
	trigger.parameters.groupId = GROUP_ID;
	return workflow;
}

it('save new files: each file shared after activation reaches the folder once, byte for byte, across a restart', async () => {
	const inbox = freshFolder(joinPath(filesFolder, 'trigger-inbox'));
	const workflow = exampleWorkflow(inbox);
	const trigger = workflow.nodes.find((node) => node.type === TRIGGER_NODE_TYPE)!;
	bed.emulator.addFile(GROUP_ID, { fileName: 'already there.txt', bytes: Buffer.from('old') });

	const written: string[] = [];
	const runEmissions = async (poller: ActivePoller, from: number) => {
		for (const items of poller.emissions.slice(from)) {
			const { outputs, error } = await bed.engine.runWorkflow(workflow, { triggerItems: items });
			expect(error).toBeUndefined();
			written.push(...outputs['Save to the inbox folder'].map((item) => String(item.json.file_name)));
		}
	};

	const poller = new ActivePoller(bed.engine, trigger);
	expect((await poller.activate()).emitted).toBeNull();
	const shared = {
		'minutes.txt': Buffer.from('Minutes of Monday'),
		'报告 2026.pdf': sampleBytes(300 * 1024),
		'photo.jpg': sampleBytes(50 * 1024),
	};
	bed.emulator.addFile(GROUP_ID, { fileName: 'minutes.txt', bytes: shared['minutes.txt'] });
	bed.emulator.addFile(GROUP_ID, { fileName: '报告 2026.pdf', bytes: shared['报告 2026.pdf'] });
	await poller.poll();
	await poller.poll();
	await runEmissions(poller, 0);

	bed.emulator.addFile(GROUP_ID, { fileName: 'photo.jpg', bytes: shared['photo.jpg'] });
	const restarted = poller.restart();
	await restarted.activate();
	await restarted.poll();
	await runEmissions(restarted, 0);

	expect(written.sort()).toEqual(Object.keys(shared).sort());
	expect(listFolder(inbox)).toEqual(Object.keys(shared).sort());
	for (const [name, content] of Object.entries(shared)) expect(sha256(readFile(joinPath(inbox, name)))).toBe(sha256(content));
});
