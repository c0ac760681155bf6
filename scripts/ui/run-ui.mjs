// `npm run test:ui`: the node in n8n's editor, checked in a real browser as a user would use it. Starts the
// `npm run dev` stack on free ports (a fresh n8n data folder), drives Debian's Chromium headless with
// playwright-core, saves screenshots to docs/images/, and prints `N passed, M failed` (exit 1 on a failure).
//
//   node scripts/ui/run-ui.mjs [--keep]      CHROMIUM_PATH=/usr/bin/chromium (default)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, selectors } from 'playwright-core';

import { createN8nEnv, freeLoopbackPort, importWorkflow, manualTriggerNode } from '../e2e/n8n-cli.mjs';
import { ensureN8n, repoRoot } from '../e2e/n8n-install.mjs';
import { DEMO_APP, DEV_OWNER, startDevStack } from '../dev/dev-stack.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const IMAGES = path.join(repoRoot, 'docs', 'images');
const STEP_TIMEOUT_MS = Number(process.env.UI_STEP_TIMEOUT_MS || 60_000);
const WORKFLOW_ID = 'uiCheckDownload';

const results = [];
/** Set once the browser is open: a screenshot of each failure goes to the temp folder, for the one who fixes it. */
let failureShot;
function record(name, ok, detail) {
	results.push({ name, ok, detail });
	process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${name}${ok || !detail ? '' : `\n      ${detail}`}\n`);
}

/** Runs one check; a failed step stops the steps that depend on it (they are counted as failed). */
async function check(name, step) {
	try {
		await step();
		record(name, true);
		return true;
	} catch (error) {
		if (failureShot) await failureShot(`${results.length + 1}`).catch(() => {});
		record(name, false, String(error.message).split('\n').slice(0, 4).join(' '));
		return false;
	}
}

async function shot(page, name) {
	fs.mkdirSync(IMAGES, { recursive: true });
	await page.screenshot({ path: path.join(IMAGES, name) });
}

function expectText(actual, pattern, what) {
	if (!pattern.test(actual)) throw new Error(`${what}: expected ${pattern}, got "${actual.slice(0, 300)}"`);
}

async function logIn(page, url, owner) {
	await page.goto(`${url}/signin`);
	await page.locator('input[type=email], input[name=email]').fill(owner.email);
	await page.locator('input[type=password]').fill(owner.password);
	await page.keyboard.press('Enter');
	await page.waitForURL(/\/home\//, { timeout: STEP_TIMEOUT_MS });
}

/** Opens a resource locator's list (its search box gets the focus, as a click does for a user). */
async function openLocatorList(page, parameter) {
	await page.getByTestId(`resource-locator-${parameter}`).getByTestId('rlc-input').click();
}

/** The texts of the open list's items that match `pattern`, top to bottom. */
async function listItems(page, pattern) {
	const items = page.getByText(pattern).locator('visible=true');
	await items.first().waitFor({ timeout: STEP_TIMEOUT_MS });
	return (await items.allInnerTexts()).map((text) => text.trim());
}

/** Waits until the credential dialog shows a test result matching `pattern`; returns the dialog's text. */
async function credentialTestResult(page, pattern) {
	const dialog = page.getByTestId('credential-edit-dialog');
	await dialog.getByText(pattern).locator('visible=true').first().waitFor({ timeout: STEP_TIMEOUT_MS });
	return await dialog.innerText();
}

/** A stack `npm run dev` already runs (for working on these checks): nothing is started or stopped. */
async function attachedStack(folder, url) {
	const install = await ensureN8n({});
	const env = createN8nEnv({ version: install.version, install, userFolder: path.join(folder, 'n8n'), logLevel: 'warn' });
	const emulator = { admin: async (method, route) => await (await fetch(`${process.env.UI_ATTACH_EMULATOR}/_emulator/${route}`, { method })).json() };
	return { url, env, emulator, owner: DEV_OWNER, stop: async () => {} };
}

async function main() {
	const keep = process.argv.includes('--keep');
	if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM_PATH)`);
	// A running `npm run dev` stack instead (for working on these checks): its N8N_DEV_FOLDER, UI_ATTACH_URL, UI_ATTACH_EMULATOR.
	const attach = process.env.UI_ATTACH_FOLDER;
	const userFolder = attach ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agora-chat-ui-'));
	const stack = attach ? await attachedStack(attach, process.env.UI_ATTACH_URL) : await startDevStack({ userFolder, n8nPort: await freeLoopbackPort(), emulatorPort: await freeLoopbackPort(), quiet: true });
	let browser;
	try {
		await importWorkflow(stack.env, { id: WORKFLOW_ID, name: 'Try the Agora Chat Group node', nodes: [manualTriggerNode()], connections: {} });
		selectors.setTestIdAttribute('data-test-id');
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
		const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		page.setDefaultTimeout(STEP_TIMEOUT_MS);
		failureShot = async (label) => {
			const file = path.join(os.tmpdir(), `agora-chat-ui-failure-${label}.png`);
			await page.screenshot({ path: file });
			process.stdout.write(`      (screenshot: ${file})\n`);
		};
		await logIn(page, stack.url, stack.owner);

		const found = await check('searching "Agora" in the nodes panel finds "Agora Chat Group" with its icon', async () => {
			await page.goto(`${stack.url}/workflow/${WORKFLOW_ID}`);
			await page.getByTestId('canvas-wrapper').waitFor();
			await page.getByTestId('node-creator-plus-button').click();
			await page.getByTestId('node-creator').waitFor();
			await page.keyboard.type('Agora');
			const item = page.getByTestId('item-iterator-item').filter({ has: page.getByTestId('node-creator-item-name').getByText('Agora Chat Group', { exact: true }) }).first();
			await item.waitFor();
			const icon = item.locator('img').first();
			await icon.waitFor();
			const { src, width } = await icon.evaluate((img) => ({ src: img.src, width: img.naturalWidth }));
			if (!/agoraChat\.svg$/.test(src) || width === 0) throw new Error(`the item's icon is ${src} (${width} px wide)`);
			await shot(page, 'nodes-panel.png');
			await item.click();
		});

		const added =
			found &&
			(await check('choosing Shared File > Download shows Group first after Operation, the credential preselected', async () => {
				await page.getByText('Download a shared file by ID from Get Many', { exact: true }).click();
				await page.getByTestId('ndv').waitFor();
				const order = await page
					.getByTestId('node-parameters')
					.locator('[data-test-id^="parameter-input-"]')
					.evaluateAll((inputs) => inputs.map((input) => input.getAttribute('data-test-id').replace('parameter-input-', '')));
				const visible = order.filter((name) => ['resource', 'operation', 'groupId', 'fileId', 'binaryPropertyName'].includes(name));
				if (visible.join(',') !== 'resource,operation,groupId,fileId,binaryPropertyName') throw new Error(`parameters in the order ${order.join(', ')}`);
				expectText(await page.getByTestId('node-credentials-select').locator('input').inputValue(), /^Agora Chat account$/, 'the credential');
				await shot(page, 'download-parameters.png');
			}));

		const groupPicked =
			added &&
			(await check('the Group list shows the demo group, typing filters it, and picking it fills the field', async () => {
				await openLocatorList(page, 'groupId');
				const groups = await listItems(page, /^(Demo group \(demo-group\)|Team updates \(team-updates\))$/);
				if (groups.join(',') !== 'Demo group (demo-group),Team updates (team-updates)') throw new Error(`the list shows ${groups.join(' | ')}`);
				await shot(page, 'group-list.png');
				// What the user types goes to the node's search (searchable list), not only a filter of what is loaded.
				await page.keyboard.type('team');
				await page.getByText('Demo group (demo-group)', { exact: true }).locator('visible=true').waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
				const filtered = await listItems(page, /^(Demo group \(demo-group\)|Team updates \(team-updates\))$/);
				if (filtered.join(',') !== 'Team updates (team-updates)') throw new Error(`typing "team" shows ${filtered.join(' | ')}`);
				const groupLists = (await stack.emulator.admin('GET', 'requests')).filter((request) => request.operation === 'listGroups');
				if (groupLists.length < 2) throw new Error(`the editor asked the service for the group list ${groupLists.length} time(s): typing did not reach the node's search`);
				for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
				await page.getByText('Demo group (demo-group)', { exact: true }).locator('visible=true').click();
				const value = await page.getByTestId('resource-locator-groupId').getByTestId('rlc-input').inputValue();
				expectText(value, /^Demo group \(demo-group\)$/, 'the Group field');
			}));

		const filePicked =
			groupPicked &&
			(await check('the File list shows the group\'s files newest first as "name · size · date"', async () => {
				await openLocatorList(page, 'fileId');
				const files = await listItems(page, /^[^\n]+ · \d+ B · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
				const names = files.map((line) => line.split(' · ')[0]);
				if (names.join(',') !== 'meeting notes 2026.md,agenda.json,welcome.txt') throw new Error(`the list shows ${files.join(' | ')}`);
				await shot(page, 'file-list.png');
				await page.getByText(/^welcome\.txt · /).click();
			}));

		await check('executing the step shows the binary output with its name', async () => {
			if (!filePicked) throw new Error('no file picked');
			await page.getByTestId('node-execute-button').click();
			const output = page.getByTestId('output-panel');
			await output.getByText('welcome.txt').first().waitFor({ timeout: STEP_TIMEOUT_MS });
			const binaryTab = output.getByTestId('radio-button-binary');
			if (await binaryTab.count()) await binaryTab.click();
			expectText(await output.innerText(), /welcome\.txt/, 'the output panel');
			expectText(await output.innerText(), /text\/plain/, 'the output panel');
			await shot(page, 'download-output.png');
		});

		const credentialOk = await check('the credential\'s Test succeeds against the service', async () => {
			await page.goto(`${stack.url}/home/credentials`);
			await page.getByText('Agora Chat account', { exact: true }).first().click();
			const dialog = page.getByTestId('credential-edit-dialog');
			await dialog.waitFor();
			// n8n tests a saved credential when it is opened; Retry is its Test button.
			await credentialTestResult(page, /Connection tested successfully/);
			await dialog.getByRole('button', { name: 'Retry' }).click();
			await credentialTestResult(page, /Connection tested successfully/);
			await shot(page, 'credential-test-ok.png');
		});

		await check('with a wrong token the Test shows the credential test\'s message', async () => {
			if (!credentialOk) throw new Error('the credential dialog did not open');
			const dialog = page.getByTestId('credential-edit-dialog');
			const certificate = dialog.getByTestId('parameter-input-appCertificate').locator('input');
			await certificate.fill('0'.repeat(32));
			await page.getByTestId('credential-save-button').click();
			await credentialTestResult(page, /Couldn.t connect with these settings/);
			await dialog.getByText('More details').click();
			const text = await credentialTestResult(page, /The service refused the token/);
			expectText(text, /The service refused the token\. Check the App Token \/ App Certificate, and that Host is your project's own REST API domain/, 'the test result');
			await shot(page, 'credential-test-wrong-token.png');
			await certificate.fill(DEMO_APP.appCertificate);
			await page.getByTestId('credential-save-button').click();
			await credentialTestResult(page, /Connection tested successfully/);
		});
	} finally {
		await browser?.close().catch(() => {});
		await stack.stop();
		if (!keep && !attach) fs.rmSync(userFolder, { recursive: true, force: true });
	}
	const failed = results.filter((result) => !result.ok).length;
	process.stdout.write(`\n${results.length - failed} passed, ${failed} failed\n`);
	process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
	process.stderr.write(`test:ui could not run: ${error.stack ?? error.message}\n`);
	process.stdout.write(`\n${results.filter((result) => result.ok).length} passed, ${Math.max(1, results.filter((result) => !result.ok).length)} failed\n`);
	process.exit(1);
});
