import { NodeApiError, NodeOperationError, Workflow } from 'n8n-workflow';
import type { INode, INodeTypes, JsonObject } from 'n8n-workflow';

import { AGORA_APP_URL_EXPRESSION, agoraAppUrl, parseAgoraApp, parseAgoraOrigin } from '../../agora/appUrl';
import { pageSizeFor } from '../../nodes/ChatGroup/shared/sharedFileList';
import { AgoraAnswerFailure, describeAnswer, describeFailure, isRetryable, isUncertain, parseRetryAfter, toNodeError } from '../../nodes/ChatGroup/shared/errors';
import { fileNameFromContentDisposition, mimeTypeFromName, specificMimeType } from '../../nodes/ChatGroup/shared/fileNames';
import { encodeFormFileName, multipartContentType, multipartFrame, newBoundary } from '../../nodes/ChatGroup/shared/multipart';
import { retryOptions } from '../../nodes/ChatGroup/shared/retryOptions';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../nodes/ChatGroup/shared/retryPolicy';

const node: INode = {
	id: 'n',
	name: 'Agora Chat Group',
	type: 'n8n-nodes-agora-chat.chatGroup',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

describe('multipart body', () => {
	it('encodes file names as browsers do: UTF-8 kept, quote and line breaks percent-encoded', () => {
		expect(encodeFormFileName('报告 2026.pdf')).toBe('报告 2026.pdf');
		expect(encodeFormFileName('a"b;c\\d\r\ne.txt')).toBe('a%22b;c\\d%0D%0Ae.txt');
	});

	it('frames one file part with the boundary, name and type around the bytes', () => {
		const { head, tail } = multipartFrame({ fieldName: 'file', fileName: 'x "y".bin', contentType: 'application/octet-stream' }, 'BOUNDARY');
		expect(multipartContentType('BOUNDARY')).toBe('multipart/form-data; boundary=BOUNDARY');
		expect(head.toString()).toBe('--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="x %22y%22.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
		expect(tail.toString()).toBe('\r\n--BOUNDARY--\r\n');
	});

	it('keeps line breaks out of the part headers', () => {
		const { head } = multipartFrame({ fieldName: 'file', fileName: 'a\r\nb', contentType: 'text/plain\r\nX-Evil: 1' }, 'B');
		expect(head.toString()).toContain('filename="a%0D%0Ab"');
		expect(head.toString()).toContain('Content-Type: text/plainX-Evil: 1\r\n\r\n');
	});

	it('uses a fresh random boundary each time', () => {
		expect(newBoundary()).not.toBe(newBoundary());
	});
});

describe('file names and types of downloads', () => {
	it.each([
		['attachment; filename="report.pdf"', 'report.pdf'],
		['attachment; filename=report.pdf', 'report.pdf'],
		['attachment; filename="a \\"quoted\\" name.txt"', 'a "quoted" name.txt'],
		["attachment; filename=\"_ 2026.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202026.pdf", '报告 2026.pdf'],
		["attachment; filename*=UTF-8''semi%3Bcolon.txt", 'semi;colon.txt'],
		[`attachment; filename="${Buffer.from('报告.pdf', 'utf8').toString('latin1')}"`, '报告.pdf'],
	])('reads %s', (header, expected) => {
		expect(fileNameFromContentDisposition(header)).toBe(expected);
	});

	it('finds no name where the header gives none', () => {
		expect(fileNameFromContentDisposition(undefined)).toBeUndefined();
		expect(fileNameFromContentDisposition('attachment')).toBeUndefined();
	});

	it('guesses types from extensions and ignores generic content types', () => {
		expect(mimeTypeFromName('photo.JPG')).toBe('image/jpeg');
		expect(mimeTypeFromName('no-extension')).toBeUndefined();
		expect(specificMimeType('application/octet-stream')).toBeUndefined();
		expect(specificMimeType('application/pdf')).toBe('application/pdf');
	});
});

describe('failures', () => {
	it('reads the service error JSON and Retry-After from a plain answer, also a binary (download) body', () => {
		const body = { error: 'reach_limit', error_description: 'This request has reached api limit.' };
		expect(describeAnswer({ status: 429, headers: { 'Retry-After': '2' }, body: Buffer.from(JSON.stringify(body)) })).toMatchObject({
			kind: 'http',
			status: 429,
			error: 'reach_limit',
			description: 'This request has reached api limit.',
			retryAfterMs: 2000,
		});
		expect(describeAnswer({ status: 204, headers: {}, body: '' })).toBeUndefined();
	});

	it('finds a judged answer through whatever n8n wraps around it', () => {
		const judged = new AgoraAnswerFailure({ kind: 'http', status: 503 });
		expect(describeFailure(new NodeApiError(node, judged as unknown as JsonObject))).toEqual({ kind: 'http', status: 503 });
	});

	it('keeps an unknown error as it is: not retried, not taken for a lost connection', () => {
		const failure = describeFailure(new NodeApiError(node, new TypeError("Cannot read properties of undefined (reading 'pipe')") as unknown as JsonObject));
		expect(failure).toMatchObject({ kind: 'other', message: "Cannot read properties of undefined (reading 'pipe')" });
		expect(isRetryable(failure)).toBe(false);
		expect(isUncertain(failure)).toBe(false);
		expect(toNodeError(node, failure, {}, 0).message).toBe("Cannot read properties of undefined (reading 'pipe')");
	});

	it('retries rate limits, 5xx and lost connections, but not quota or client errors', () => {
		expect(isRetryable({ kind: 'http', status: 429, error: 'reach_limit' })).toBe(true);
		expect(isRetryable({ kind: 'http', status: 429, error: 'resource_limited' })).toBe(false);
		expect(isRetryable({ kind: 'http', status: 503 })).toBe(true);
		expect(isRetryable({ kind: 'http', status: 404 })).toBe(false);
		expect(isRetryable(describeFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))).toBe(true);
		expect(describeFailure(Object.assign(new Error('timeout of 50ms exceeded'), { code: 'ECONNABORTED' })).kind).toBe('timeout');
		expect(isUncertain({ kind: 'network', code: 'ECONNREFUSED' })).toBe(false);
		expect(isUncertain({ kind: 'timeout' })).toBe(true);
	});

	it('one decision on 5xx (issue 17): 501 and 505 are final answers, neither retried nor "may have acted"; the other 5xx both', () => {
		for (const status of [501, 505]) {
			expect([status, isRetryable({ kind: 'http', status }), isUncertain({ kind: 'http', status })]).toEqual([status, false, false]);
		}
		for (const status of [500, 502, 503, 504, 520, 524]) {
			expect([status, isRetryable({ kind: 'http', status }), isUncertain({ kind: 'http', status })]).toEqual([status, true, true]);
		}
	});

	it('reads Retry-After as seconds or as a date', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(parseRetryAfter('soon')).toBeUndefined();
	});

	it('backs off exponentially with jitter, and follows Retry-After when given', () => {
		for (let retry = 1; retry <= 4; retry++) {
			const step = DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (retry - 1);
			const delay = retryDelayMs(DEFAULT_RETRY_POLICY, retry, { kind: 'http', status: 503 });
			expect(delay).toBeGreaterThanOrEqual(step / 2);
			expect(delay).toBeLessThanOrEqual(step);
		}
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, { kind: 'http', status: 429, retryAfterMs: 7000 })).toBe(7000);
	});

	it('keeps the node options and the policy defaults in step', () => {
		const option = (name: string) => retryOptions.options?.find((entry) => entry.name === name) as { default: unknown };
		expect(option('maxRetries').default).toBe(DEFAULT_RETRY_POLICY.maxRetries);
		expect(option('maxRetryWaitSeconds').default).toBe(DEFAULT_RETRY_POLICY.maxTotalWaitMs / 1000);
	});

	it('shows the service message first, with what to check, and no `code` rewrite by n8n', () => {
		const error = toNodeError(
			node,
			{ kind: 'http', status: 404, error: 'service_resource_not_found', description: 'grpID 42 does not exist!' },
			{ resource: 'announcement', operation: 'get', groupId: '42' },
			3,
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('grpID 42 does not exist!');
		expect(error.description).toContain('Group "42" does not exist');
		expect((error as NodeApiError).httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(3);

		const lost = toNodeError(node, { kind: 'network', code: 'ECONNRESET' }, { resource: 'sharedFile', operation: 'upload' }, 0);
		expect(lost.message).toBe('The connection to the Agora Chat service was lost');
		const refused = toNodeError(node, { kind: 'input', message: 'The Group ID is empty', hint: 'Enter it' }, { resource: 'x', operation: 'y' }, 0);
		expect(refused).toBeInstanceOf(NodeOperationError);
	});
});

describe('pages', () => {
	it.each([
		[1, 1],
		[50, 50],
		[1000, 1000],
		[1001, 501],
		[1500, 750],
		[2500, 834],
		[10000, 1000],
	])('asks for %i files in pages of %i', (limit, pageSize) => {
		expect(pageSizeFor(limit)).toBe(pageSize);
		expect(Math.ceil(limit / pageSize)).toBe(Math.ceil(limit / 1000));
	});
});

describe('app URL', () => {
	const bareNodeType = { description: { properties: [] } };
	const nodeTypes = { getByName: () => bareNodeType, getByNameAndVersion: () => bareNodeType } as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const evaluate = (credentials: Record<string, string>) =>
		workflow.expression.getSimpleParameterValue(node, AGORA_APP_URL_EXPRESSION, 'manual', { $credentials: credentials });

	it.each([
		['a41.chat.agora.io', 'https://a41.chat.agora.io/org/app'],
		['  a41.chat.agora.io/ ', 'https://a41.chat.agora.io/org/app'],
		['https://a61.chat.agora.io', 'https://a61.chat.agora.io/org/app'],
		['http://127.0.0.1:4100/', 'http://127.0.0.1:4100/org/app'],
	])('builds the same URL from "%s" in the expression and in code', (host, expected) => {
		const credentials = { host, orgName: 'org', appName: 'app' };
		expect(evaluate(credentials)).toBe(expected);
		expect(agoraAppUrl(parseAgoraApp(credentials))).toBe(expected);
	});

	it.each([
		[{ tokenSource: 'appCertificate', orgName: '', appName: '', appId: ' 0123456789abcdef0123456789ABCDEF ' }, 'https://a41.chat.agora.io/app-id/0123456789abcdef0123456789ABCDEF'],
		[{ orgName: '', appName: '', appId: '0123456789abcdef0123456789abcdef' }, 'https://a41.chat.agora.io/app-id/0123456789abcdef0123456789abcdef'],
		[{ tokenSource: 'appCertificate', orgName: 'org', appName: 'app', appId: '0123456789abcdef0123456789abcdef' }, 'https://a41.chat.agora.io/org/app'],
		[{ tokenSource: 'appToken', orgName: 'o r', appName: 'a#b', appId: '0123456789abcdef0123456789abcdef' }, 'https://a41.chat.agora.io/o%20r/a%23b'],
	])('builds the same app-id or org/app URL from %j in the expression and in code', (fields, expected) => {
		const credentials = { host: 'a41.chat.agora.io', ...fields };
		expect(evaluate(credentials)).toBe(expected);
		expect(agoraAppUrl(parseAgoraApp(credentials))).toBe(expected);
	});

	it.each(['', 'a41.chat.agora.io/org/app', 'https://a41.chat.agora.io?x=1', 'ftp://a41.chat.agora.io', 'a41 chat', 'https://user:pw@a41.chat.agora.io'])(
		'refuses the host "%s"',
		(host) => {
			expect(() => parseAgoraOrigin(host)).toThrow(/Host/);
		},
	);
});
