// Workflow and credential JSON for the benchmark. Every workflow: Manual Trigger -> (input) -> "Bench",
// where "Bench" is the node whose run data (executionTime) is measured.

import { randomUUID } from 'node:crypto';

import { customNodeType, manualTriggerNode } from '../../e2e/n8n-cli.mjs';

export const BENCH_NODE = 'Bench';
export const ORG = 'demo-org';
export const APP = 'demo-app';
export const APP_TOKEN = 'emulator-app-token';

export const CRED = {
	agoraPaced: { id: 'benchAgoraPaced', name: 'Agora (96/s)' },
	agoraDefault: { id: 'benchAgoraDefault', name: 'Agora (Requests per Second left at its default)' },
	agoraNoPace: { id: 'benchAgoraNoPace', name: 'Agora (no pacing)' },
	agoraProxy: { id: 'benchAgoraProxy', name: 'Agora via counting proxy' },
	agoraCert: { id: 'benchAgoraCert', name: 'Agora (App ID + Certificate)' },
	agoraClient: { id: 'benchAgoraClient', name: 'Agora (Client ID + Secret)' },
	headerAuth: { id: 'benchHeaderAuth', name: 'Header Auth bearer' },
};
export const CLIENT_ID = 'emulator-client-id';
export const CLIENT_SECRET = 'emulator-client-secret';

/** Credentials in clear text (n8n encrypts them on import). */
export function credentials({ emulatorUrl, proxyUrl, appId, appCertificate }) {
	const agora = (ref, host, requestsPerSecond, tokenFields = { tokenSource: 'appToken', appToken: APP_TOKEN }) => ({
		...ref,
		type: 'agoraChatApi',
		data: { host, orgName: ORG, appName: APP, ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }), ...tokenFields },
	});
	return [
		agora(CRED.agoraDefault, emulatorUrl, undefined),
		agora(CRED.agoraPaced, emulatorUrl, 96),
		agora(CRED.agoraNoPace, emulatorUrl, 0),
		agora(CRED.agoraProxy, proxyUrl, 0),
		agora(CRED.agoraCert, emulatorUrl, 0, { tokenSource: 'appCertificate', appId, appCertificate, tokenTtlSeconds: 3600 }),
		// No stored token yet: the state of a credential that has just been created.
		agora(CRED.agoraClient, emulatorUrl, 0, { tokenSource: 'clientCredentials', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
		{ ...CRED.headerAuth, type: 'httpHeaderAuth', data: { name: 'Authorization', value: `Bearer ${APP_TOKEN}` } },
	];
}

function chain(id, nodes) {
	const all = [manualTriggerNode({ name: 'Start' }), ...nodes].map((n, i) => ({ id: n.id ?? randomUUID(), position: [220 * i, 0], ...n }));
	const connections = {};
	for (let i = 0; i < all.length - 1; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name: id, active: false, nodes: all, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** N items from one trigger: a Set node builds an array, Split Out makes one item per element. */
function itemNodes(count) {
	return [
		{
			name: 'Make items',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			parameters: {
				mode: 'manual',
				assignments: { assignments: [{ id: randomUUID(), name: 'items', value: `={{ Array.from({ length: ${count} }, (_, i) => i) }}`, type: 'array' }] },
				options: {},
			},
		},
		{ name: 'Split', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'items', include: 'noOtherFields', options: {} } },
	];
}

function readFileNode(filePath) {
	return { name: 'Read file', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, parameters: { operation: 'read', fileSelector: filePath, options: {} } };
}

function chatGroup(parameters, cred, { continueOnFail = false } = {}) {
	return {
		name: BENCH_NODE,
		type: customNodeType('chatGroup'),
		typeVersion: 1,
		parameters,
		credentials: { agoraChatApi: cred },
		...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
	};
}

/** The HTTP Request node as n8n asks users to set it up (token in a Header Auth credential), or with the header typed in. */
function httpRequest(parameters, { auth = 'credential', continueOnFail = false } = {}) {
	const authParams =
		auth === 'credential'
			? { authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth' }
			: { authentication: 'none', sendHeaders: true, specifyHeaders: 'keypair', headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${APP_TOKEN}` }] } };
	return {
		name: BENCH_NODE,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: { ...authParams, options: {}, ...parameters },
		...(auth === 'credential' ? { credentials: { httpHeaderAuth: CRED.headerAuth } } : {}),
		...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
	};
}

const groupUrl = (base, groupId) => `${base}/${ORG}/${APP}/chatgroups/${encodeURIComponent(groupId)}`;

// ---- P1 / P4: Announcement Get over N items ---------------------------------------------------

export function announcementChatGroup(id, { count, groupId, cred, continueOnFail, batching }) {
	const requestOptions = batching ? { batching: { batch: { batchSize: batching.size, batchInterval: batching.intervalMs } } } : {};
	return chain(id, [...itemNodes(count), chatGroup({ resource: 'announcement', operation: 'get', groupId, requestOptions }, cred, { continueOnFail })]);
}

export function announcementHttp(id, { count, groupId, baseUrl, auth, batching, continueOnFail }) {
	const options = batching ? { batching: { batch: { batchSize: batching.size, batchInterval: batching.intervalMs } } } : {};
	return chain(id, [...itemNodes(count), httpRequest({ method: 'GET', url: `${groupUrl(baseUrl, groupId)}/announcement`, options }, { auth, continueOnFail })]);
}

// ---- P2: one upload / download ------------------------------------------------------------------

export function uploadChatGroup(id, { filePath, groupId }) {
	return chain(id, [readFileNode(filePath), chatGroup({ resource: 'sharedFile', operation: 'upload', groupId, binaryPropertyName: 'data', options: {} }, CRED.agoraPaced)]);
}

export function uploadHttp(id, { filePath, groupId, baseUrl }) {
	return chain(id, [
		readFileNode(filePath),
		httpRequest({
			method: 'POST',
			url: `${groupUrl(baseUrl, groupId)}/share_files`,
			sendBody: true,
			contentType: 'multipart-form-data',
			bodyParameters: { parameters: [{ parameterType: 'formBinaryData', name: 'file', inputDataFieldName: 'data' }] },
		}),
	]);
}

export function downloadChatGroup(id, { groupId, fileId }) {
	return chain(id, [chatGroup({ resource: 'sharedFile', operation: 'download', groupId, fileId, binaryPropertyName: 'data' }, CRED.agoraPaced)]);
}

export function downloadHttp(id, { groupId, fileId, baseUrl }) {
	return chain(id, [
		httpRequest({
			method: 'GET',
			url: `${groupUrl(baseUrl, groupId)}/share_files/${encodeURIComponent(fileId)}`,
			options: { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
		}),
	]);
}

// ---- P3: Get Many ----------------------------------------------------------------------------------

export function listChatGroup(id, { groupId, limit }) {
	const paging = limit === undefined ? { returnAll: true } : { returnAll: false, limit };
	return chain(id, [chatGroup({ resource: 'sharedFile', operation: 'getAll', groupId, ...paging }, CRED.agoraPaced)]);
}

/** HTTP Request pagination set up well: 1,000 per page, page number from $pageCount, stop on a short page. */
export function listHttp(id, { groupId, baseUrl, pageSize = 1000, maxPages = 100 }) {
	return chain(id, [
		httpRequest({
			method: 'GET',
			url: `${groupUrl(baseUrl, groupId)}/share_files`,
			sendQuery: true,
			specifyQuery: 'keypair',
			queryParameters: { parameters: [{ name: 'pagesize', value: String(pageSize) }] },
			options: {
				pagination: {
					pagination: {
						paginationMode: 'updateAParameterInEachRequest',
						parameters: { parameters: [{ type: 'qs', name: 'pagenum', value: '={{ $pageCount + 1 }}' }] },
						paginationCompleteWhen: 'other',
						completeExpression: `={{ $response.body.data.length < ${pageSize} }}`,
						// A bound, so a wrong stop condition cannot loop for ever.
						limitPagesFetched: true,
						maxRequests: maxPages,
					},
				},
			},
		}),
	]);
}

// ---- P6: mirror a group (Get Many → Download), P7: upload a folder -------------------------------

/** Nodes wired one after the other from a manual trigger (names given), so several nodes of a run can be timed. */
function named(name, node) {
	return { ...node, name };
}

/**
 * For the memory investigation only: a Wait node after the download that keeps the execution (and everything it
 * holds) alive for `seconds`, in the process (n8n waits in memory below 65 s), so it can be profiled at its peak.
 */
function hold(seconds) {
	return { name: 'Hold', type: 'n8n-nodes-base.wait', typeVersion: 1.1, parameters: { resume: 'timeInterval', amount: seconds, unit: 'seconds' } };
}

/**
 * Agora Chat Group: Get Many (Return All) → Download, the file name mapped from the list item (holdSeconds: see hold()).
 * fileNameFromNode: File Name left empty, the node names each file from the group's list itself.
 */
export function mirrorChatGroup(id, { groupId, cred = CRED.agoraDefault, loopBatchSize, holdSeconds, requestBatching, fileNameFromNode = false }) {
	const list = named('List', chatGroup({ resource: 'sharedFile', operation: 'getAll', groupId, returnAll: true, filters: {} }, cred));
	// requestBatching: n8n's Request Options → Batching (items per batch, interval in ms) on the download node.
	const requestOptions = requestBatching ? { requestOptions: { batching: { batch: { batchSize: requestBatching.size, batchInterval: requestBatching.intervalMs } } } } : {};
	const download = chatGroup(
		{ resource: 'sharedFile', operation: 'download', groupId, fileId: '={{ $json.file_id }}', binaryPropertyName: 'data', options: fileNameFromNode ? {} : { fileName: '={{ $json.file_name }}' }, ...requestOptions },
		cred,
		{ continueOnFail: true },
	);
	if (loopBatchSize) return inBatches(id, list, download, loopBatchSize);
	return chain(id, holdSeconds ? [list, download, hold(holdSeconds)] : [list, download]);
}

/**
 * The same through a Loop Over Items node (n8n's Split in Batches v3): the download node runs once per batch of
 * `batchSize` items, and its output goes back to the loop; the loop's "done" output collects every batch.
 */
function inBatches(id, list, download, batchSize) {
	const start = manualTriggerNode({ name: 'Start' });
	const loop = { name: 'Loop', type: 'n8n-nodes-base.splitInBatches', typeVersion: 3, parameters: { batchSize, options: {} } };
	const nodes = [start, list, loop, download].map((n, i) => ({ id: n.id ?? randomUUID(), position: [220 * i, 0], ...n }));
	const connections = {
		Start: { main: [[{ node: list.name, type: 'main', index: 0 }]] },
		[list.name]: { main: [[{ node: 'Loop', type: 'main', index: 0 }]] },
		// Output 0 is "done", output 1 "loop".
		Loop: { main: [[], [{ node: download.name, type: 'main', index: 0 }]] },
		[download.name]: { main: [[{ node: 'Loop', type: 'main', index: 0 }]] },
	};
	return { id, name: id, active: false, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** HTTP Request built the careful way: list with pagination, Split Out, downloads batched 100 per second. */
export function mirrorHttp(id, { groupId, baseUrl, pageSize = 1000, holdSeconds }) {
	const list = { ...listHttp('unused', { groupId, baseUrl, pageSize }).nodes[1], name: 'List' };
	const split = { name: 'Split', type: 'n8n-nodes-base.splitOut', typeVersion: 1, parameters: { fieldToSplitOut: 'data', include: 'noOtherFields', options: {} } };
	const download = httpRequest(
		{
			method: 'GET',
			url: `=${groupUrl(baseUrl, groupId)}/share_files/{{ $json.file_id }}`,
			options: { batching: { batch: { batchSize: 100, batchInterval: 1000 } }, response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } },
		},
		{ continueOnFail: true },
	);
	return chain(id, holdSeconds ? [list, split, download, hold(holdSeconds)] : [list, split, download]);
}

/** Read/Write Files from Disk reads every file of a folder, then Upload (Replace If Different). */
export function folderUploadChatGroup(id, { folderGlob, groupId, cred = CRED.agoraDefault }) {
	return chain(id, [
		{ name: 'Read folder', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, parameters: { operation: 'read', fileSelector: folderGlob, options: {} } },
		chatGroup({ resource: 'sharedFile', operation: 'upload', groupId, binaryPropertyName: 'data', options: { ifFileExists: 'replaceIfDifferent' } }, cred, { continueOnFail: true }),
	]);
}
