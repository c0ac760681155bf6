#!/usr/bin/env node
// End-to-end smoke test of the e2e tooling against a real, headless n8n.
//
//   node scripts/e2e/smoke.mjs [--versions=2.41.1,1.123] [--keep]
//
// For each n8n version: install (or reuse) it in .cache/, make a fresh user folder, write a tiny
// throwaway community package (one declarative node + one credential, plain JS) outside the repo and
// load it through N8N_CUSTOM_EXTENSIONS, import credentials and workflows, run each workflow with
// `n8n execute --id=<id> --rawOutput` and check the output. HTTP goes to a server of ours on
// 127.0.0.1 only. Last line: "N passed, M failed"; exit code 1 if anything failed.
//
// Reuse for the real package: `runE2E({ versions, customExtensions, credentials, cases })` below takes
// the same kind of cases ({ name, workflow, expect(result) }); stagePackage() in n8n-cli.mjs copies the
// built package out of the repo first (see README.md).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureN8n } from './n8n-install.mjs';
import {
	createN8nEnv,
	customNodeType,
	executeWorkflowRaw,
	importCredentials,
	importWorkflow,
	linearWorkflow,
	nodeOutputJson,
	readBinaryData,
} from './n8n-cli.mjs';

export const DEFAULT_VERSIONS = ['2.41.1', '1.123'];

// ---------------------------------------------------------------------------------------------
// A loopback HTTP server that records what it was sent.

export async function startEchoServer() {
	const requests = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const rec = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
			requests.push(rec);
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, xE2e: req.headers['x-e2e'] ?? null }));
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const baseUrl = `http://127.0.0.1:${server.address().port}`;
	return { baseUrl, requests, close: () => new Promise((r) => server.close(r)) };
}

// ---------------------------------------------------------------------------------------------
// A throwaway community package in the shape of ours (compiled JS, package.json `n8n` attribute).

const PROBE_CREDENTIAL_JS = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.E2eProbeApi = void 0;
class E2eProbeApi {
    constructor() {
        this.name = 'e2eProbeApi';
        this.displayName = 'E2E Probe API';
        this.icon = 'file:probe.svg';
        this.documentationUrl = 'https://example.invalid/docs';
        this.properties = [
            { displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
            { displayName: 'API Token', name: 'apiToken', type: 'string', typeOptions: { password: true }, default: '' },
        ];
        this.authenticate = { type: 'generic', properties: { headers: { Authorization: '=Bearer {{$credentials.apiToken}}' } } };
        this.test = { request: { baseURL: '={{$credentials.baseUrl}}', url: '/ping' } };
    }
}
exports.E2eProbeApi = E2eProbeApi;
`;

const PROBE_NODE_JS = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.E2eProbe = void 0;
const n8n_workflow_1 = require("n8n-workflow");
class E2eProbe {
    constructor() {
        this.description = {
            displayName: 'E2E Probe',
            name: 'e2eProbe',
            icon: 'file:probe.svg',
            group: ['transform'],
            version: 1,
            subtitle: '={{$parameter["operation"]}}',
            description: 'Throwaway declarative node that proves the e2e tooling',
            defaults: { name: 'E2E Probe' },
            usableAsTool: true,
            inputs: [n8n_workflow_1.NodeConnectionTypes.Main],
            outputs: [n8n_workflow_1.NodeConnectionTypes.Main],
            credentials: [{ name: 'e2eProbeApi', required: true }],
            requestDefaults: { baseURL: '={{$credentials.baseUrl}}', headers: { Accept: 'application/json', 'X-E2E': 'yes' } },
            properties: [
                {
                    displayName: 'Operation', name: 'operation', type: 'options', noDataExpression: true,
                    options: [{ name: 'Echo', value: 'echo', action: 'Echo a message', routing: { request: { method: 'GET', url: '/echo' } } }],
                    default: 'echo',
                },
                { displayName: 'Message', name: 'message', type: 'string', default: '', routing: { send: { type: 'query', property: 'message' } } },
            ],
        };
    }
}
exports.E2eProbe = E2eProbe;
`;

const PROBE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>\n';

/** Writes the throwaway package into <root>/n8n-nodes-e2e-probe and returns its dist folder. */
export function writeProbePackage(root) {
	const pkgDir = path.join(root, 'n8n-nodes-e2e-probe');
	const files = {
		'package.json': JSON.stringify(
			{
				name: 'n8n-nodes-e2e-probe',
				version: '0.0.1',
				license: 'MIT',
				keywords: ['n8n-community-node-package'],
				n8n: {
					n8nNodesApiVersion: 1,
					strict: true,
					credentials: ['dist/credentials/E2eProbeApi.credentials.js'],
					nodes: ['dist/nodes/E2eProbe/E2eProbe.node.js'],
				},
				peerDependencies: { 'n8n-workflow': '*' },
			},
			null,
			2,
		),
		'dist/credentials/E2eProbeApi.credentials.js': PROBE_CREDENTIAL_JS,
		'dist/credentials/probe.svg': PROBE_SVG,
		'dist/nodes/E2eProbe/E2eProbe.node.js': PROBE_NODE_JS,
		'dist/nodes/E2eProbe/probe.svg': PROBE_SVG,
	};
	for (const [rel, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(pkgDir, rel)), { recursive: true });
		fs.writeFileSync(path.join(pkgDir, rel), text);
	}
	return path.join(pkgDir, 'dist');
}

// ---------------------------------------------------------------------------------------------
// The smoke cases.

export function smokeSuite({ baseUrl }) {
	const credentials = [
		{ id: 'e2eHeaderCred01', name: 'E2E header auth', type: 'httpHeaderAuth', data: { name: 'X-E2E', value: 'header-secret' } },
		{ id: 'e2eProbeCred01', name: 'E2E probe', type: 'e2eProbeApi', data: { baseUrl, apiToken: 'probe-token' } },
	];
	const cases = [
		{
			name: 'manual trigger -> Set',
			workflow: linearWorkflow({
				id: 'e2eSmokeSet',
				nodes: [
					{
						name: 'Set',
						type: 'n8n-nodes-base.set',
						typeVersion: 3.4,
						parameters: {
							mode: 'manual',
							assignments: {
								assignments: [
									{ id: 'a1', name: 'hello', value: 'world', type: 'string' },
									{ id: 'a2', name: 'answer', value: '={{ 40 + 2 }}', type: 'number' },
								],
							},
							options: {},
						},
					},
				],
			}),
			expect: (r) => assert.deepEqual(nodeOutputJson(r.run, 'Set'), [{ hello: 'world', answer: 42 }]),
		},
		{
			name: 'manual trigger -> Code (task runner in 2.x, in-process in 1.x)',
			workflow: linearWorkflow({
				id: 'e2eSmokeCode',
				nodes: [
					{
						name: 'Code',
						type: 'n8n-nodes-base.code',
						typeVersion: 2,
						parameters: { jsCode: 'return [{ json: { sum: 1 + 2, items: $input.all().length } }];' },
					},
				],
			}),
			expect: (r) => assert.deepEqual(nodeOutputJson(r.run, 'Code'), [{ sum: 3, items: 1 }]),
		},
		{
			name: 'HTTP Request with an imported credential (httpHeaderAuth)',
			workflow: linearWorkflow({
				id: 'e2eSmokeHttpCred',
				nodes: [
					{
						name: 'HTTP',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4.2,
						parameters: {
							url: `${baseUrl}/http-node`,
							authentication: 'genericCredentialType',
							genericAuthType: 'httpHeaderAuth',
							options: {},
						},
						credentials: { httpHeaderAuth: { id: 'e2eHeaderCred01', name: 'E2E header auth' } },
					},
				],
			}),
			expect: (r) => {
				const [out] = nodeOutputJson(r.run, 'HTTP');
				assert.equal(out.url, '/http-node');
				assert.equal(out.xE2e, 'header-secret');
			},
		},
		{
			name: 'custom declarative node + credential via N8N_CUSTOM_EXTENSIONS',
			workflow: linearWorkflow({
				id: 'e2eSmokeCustom',
				nodes: [
					{
						name: 'Probe',
						type: customNodeType('e2eProbe'),
						typeVersion: 1,
						parameters: { operation: 'echo', message: 'hi there' },
						credentials: { e2eProbeApi: { id: 'e2eProbeCred01', name: 'E2E probe' } },
					},
				],
			}),
			expect: (r) =>
				assert.deepEqual(nodeOutputJson(r.run, 'Probe'), [
					{ method: 'GET', url: '/echo?message=hi%20there', authorization: 'Bearer probe-token', xE2e: 'yes' },
				]),
		},
		{
			name: 'binary output read back (inline in 1.x, filesystem mode in 2.x)',
			workflow: linearWorkflow({
				id: 'e2eSmokeBinary',
				nodes: [
					{
						name: 'Set',
						type: 'n8n-nodes-base.set',
						typeVersion: 3.4,
						parameters: { mode: 'manual', assignments: { assignments: [{ id: 'b1', name: 'x', value: 'hello', type: 'string' }] }, options: {} },
					},
					{ name: 'To File', type: 'n8n-nodes-base.convertToFile', typeVersion: 1.1, parameters: { operation: 'toJson', options: {} } },
				],
			}),
			expect: (r, env) => {
				const item = r.run.data.resultData.runData['To File'][0].data.main[0][0];
				assert.equal(item.binary.data.fileName, 'file.json');
				assert.equal(readBinaryData(env, item.binary.data).toString('utf8'), '[{"x":"hello"}]');
			},
		},
		{
			name: 'a failing node gives exit 1 and the error in the run JSON',
			workflow: linearWorkflow({
				id: 'e2eSmokeFail',
				nodes: [{ name: 'Boom', type: 'n8n-nodes-base.stopAndError', typeVersion: 1, parameters: { errorMessage: 'boom from e2e' } }],
			}),
			expectFailure: true,
			expect: (r) => {
				assert.equal(r.ok, false);
				assert.equal(r.exitCode, 1);
				assert.equal(r.errorMessage, 'boom from e2e');
				assert.equal(r.run.data.resultData.error.message, 'boom from e2e');
				assert.equal(r.run.data.resultData.runData.Boom[0].error.message, 'boom from e2e');
			},
		},
		{
			name: 'an unknown workflow id gives exit 1',
			workflowId: 'e2eDoesNotExist',
			expectFailure: true,
			expect: (r) => {
				assert.equal(r.exitCode, 1);
				assert.equal(r.run, undefined);
				assert.match(r.errorMessage, /does not exist/);
			},
		},
	];
	return { credentials, cases };
}

// ---------------------------------------------------------------------------------------------
// Generic runner: one fresh user folder per version, one import of credentials and of workflows,
// then one `n8n execute` per case.

/**
 * @param {{ versions: string[], customExtensions?: string[], credentials?: object[],
 *   cases: { name: string, workflow?: object, workflowId?: string, expectFailure?: boolean, expect: (r, env) => void }[],
 *   workRoot?: string, keep?: boolean, log?: (line: string) => void }} opts
 * @returns {Promise<{ passed: number, failed: number, results: object[] }>}
 */
export async function runE2E({ versions, customExtensions = [], credentials = [], cases, workRoot, keep = false, log = console.log }) {
	let passed = 0;
	let failed = 0;
	const results = [];
	const record = (version, name, ok, ms, detail) => {
		results.push({ version, name, ok, ms, detail });
		if (ok) passed++;
		else failed++;
		log(`${ok ? 'ok' : 'not ok'} - n8n ${version}: ${name} (${(ms / 1000).toFixed(1)} s)${ok ? '' : `\n    ${String(detail).split('\n').join('\n    ')}`}`);
	};
	for (const spec of versions) {
		let install;
		const t0 = Date.now();
		try {
			install = await ensureN8n({ version: spec });
		} catch (err) {
			record(spec, 'install', false, Date.now() - t0, err.message);
			log(`# n8n ${spec}: ${cases.length} case(s) not run`);
			continue;
		}
		const version = install.version;
		const userFolder = fs.mkdtempSync(path.join(workRoot ?? os.tmpdir(), `n8n-e2e-${version}-`));
		const env = createN8nEnv({ version, install, userFolder, customExtensions, expressionEngine: 'legacy' }) // n8n execute: see the vm exit crash in README.md;
		try {
			const tImport = Date.now();
			try {
				if (credentials.length) await importCredentials(env, credentials);
				const workflows = cases.filter((c) => c.workflow).map((c) => c.workflow);
				if (workflows.length) await importWorkflow(env, workflows);
				log(`# n8n ${version} (Node ${install.nodeVersion}): imported ${credentials.length} credential(s), ${workflows.length} workflow(s) in ${((Date.now() - tImport) / 1000).toFixed(1)} s`);
			} catch (err) {
				record(version, 'import', false, Date.now() - tImport, err.message);
				log(`# n8n ${version}: ${cases.length} case(s) not run`);
				continue;
			}
			for (const c of cases) {
				const id = c.workflowId ?? c.workflow.id;
				const r = await executeWorkflowRaw(env, id);
				try {
					if (!c.expectFailure && !r.ok) throw new Error(`${r.errorMessage} (exit ${r.exitCode})\n${r.stdout.split('\n').slice(-15).join('\n')}`);
					c.expect(r, env);
					record(version, c.name, true, r.ms);
				} catch (err) {
					record(version, c.name, false, r.ms, err.message);
				}
			}
		} finally {
			if (!keep) fs.rmSync(userFolder, { recursive: true, force: true });
			else log(`# kept user folder ${userFolder}`);
		}
	}
	return { passed, failed, results };
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const args = process.argv.slice(2);
	const versionsArg = args.find((a) => a.startsWith('--versions='));
	const versions = versionsArg ? versionsArg.slice(11).split(',').filter(Boolean) : DEFAULT_VERSIONS;
	const keep = args.includes('--keep');
	const t0 = Date.now();
	const server = await startEchoServer();
	const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-smoke-'));
	let summary = { passed: 0, failed: 1 };
	try {
		// Outside the repo on purpose: the package's require('n8n-workflow') must resolve to n8n's own copy.
		const probeDist = writeProbePackage(workRoot);
		const { credentials, cases } = smokeSuite({ baseUrl: server.baseUrl });
		summary = await runE2E({ versions, customExtensions: [probeDist], credentials, cases, workRoot, keep });
	} catch (err) {
		console.log(`not ok - smoke crashed: ${err.stack}`);
	} finally {
		await server.close();
		if (!keep) fs.rmSync(workRoot, { recursive: true, force: true });
	}
	console.log(`# total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
	console.log(`${summary.passed} passed, ${summary.failed} failed`);
	process.exit(summary.failed ? 1 : 0);
}
