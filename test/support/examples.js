// Prepares the workflows in examples/ to run now, against the emulator: the schedule trigger
// becomes a manual one (n8n executes from there), and the Settings node gets local values.
// Plain JavaScript so that the TypeScript demo and tests and the .mjs e2e runner share it.
const path = require('node:path');
const fs = require('node:fs');

const examplesFolder = path.resolve(__dirname, '..', '..', 'examples');

const EXAMPLES = ['morning-announcement', 'sync-files', 'clean-up-old-files'];
// Not in EXAMPLES: save-new-files (a trigger, run as active workflows) and agent-announcement (an AI
// agent: the engine harness has no AI nodes; scripts/e2e/checks/agent.mjs runs it in a real n8n).

/** The n8n-nodes-base nodes the examples use (a real n8n has them all; the engine harness loads these). */
const EXAMPLE_BASE_NODES = [
	'n8n-nodes-base.manualTrigger',
	'n8n-nodes-base.set',
	'n8n-nodes-base.filter',
	'n8n-nodes-base.readWriteFile',
	'n8n-nodes-base.removeDuplicates',
	'n8n-nodes-base.stickyNote',
];

function loadExample(name) {
	return JSON.parse(fs.readFileSync(path.join(examplesFolder, `${name}.json`), 'utf8'));
}

/**
 * @param workflow an example as exported by n8n
 * @param settings values for the Settings node's fields, e.g. { groupId: '42' }
 * @param nodeType the type the Agora Chat Group nodes get where the package is loaded under another name
 */
function prepareExample(workflow, settings = {}, nodeType) {
	const copy = JSON.parse(JSON.stringify(workflow));
	for (const node of copy.nodes) {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') {
			node.type = 'n8n-nodes-base.manualTrigger';
			node.typeVersion = 1;
			node.parameters = {};
		}
		if (nodeType && node.type === 'n8n-nodes-agora-chat.chatGroup') node.type = nodeType;
		if (node.name === 'Settings') {
			for (const assignment of node.parameters.assignments.assignments) {
				if (assignment.name in settings) assignment.value = settings[assignment.name];
			}
		}
	}
	return copy;
}

module.exports = { EXAMPLES, EXAMPLE_BASE_NODES, loadExample, prepareExample };
