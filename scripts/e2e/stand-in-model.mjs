// A stand-in for an OpenAI-compatible chat model (`POST /v1/chat/completions`, plain JSON or
// `stream: true` server-sent events), for running n8n's AI Agent against the node offline and
// deterministically. n8n's OpenAI Chat Model node reaches it through its `openAiApi` credential's
// Base URL (`url`).
//
// The test scripts each scenario: which tool to call with which arguments, in order, then the final
// text. The stand-in finds the scenario by the marker `[scenario: <id>]` in the conversation and the
// step by the tool results already in it. It builds each call from the tools it is SENT: the tool is
// looked up by name (or pattern), and its arguments are filled, key by key, from the parameters that
// tool declares; a scripted argument the tool does not declare, or a declared one the script lacks,
// makes it answer 400 with the reason (the run then fails, and the record says why).
// It records every request and its answer; `describe(id)` prints them for a failed check.
//
//   const model = await startStandInModel();
//   model.script('update', { calls: [{ tool: /announcement/i, args: { groupId: '42', announcement: 'Hi' } }],
//                            final: (results) => `Done: ${results[0]}` });
//   // credential { apiKey: 'any', url: model.url }, agent prompt "[scenario: update] ..."
//   model.requests('update')   // [{ body, tools, stream, answer }]
//   model.stop();

import http from 'node:http';

const SCENARIO_MARKER = /\[scenario: ([\w-]+)\]/;
const MODEL_ID = 'stand-in-model';

/** Text of a message's content, whatever its shape (string, or parts). */
function contentText(content) {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : (part?.text ?? ''))).join('');
	return '';
}

function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** The tools of a request as `{ name, description, parameters }`. */
function toolsOf(body) {
	return (body.tools ?? []).map((tool) => ({ name: tool.function?.name, description: tool.function?.description, parameters: tool.function?.parameters ?? {} }));
}

function findTool(tools, wanted) {
	const matches = tools.filter((tool) => (wanted instanceof RegExp ? wanted.test(tool.name) : tool.name === wanted));
	if (matches.length !== 1) {
		throw new Error(`the script wants tool ${String(wanted)}, the request has ${matches.length} such tool(s) among: ${tools.map((tool) => tool.name).join(', ') || 'none'}`);
	}
	return matches[0];
}

/** The call's arguments, built from the parameters the tool declares, filled from the script. */
function buildArguments(tool, scripted) {
	const declared = tool.parameters.properties ?? {};
	const extra = Object.keys(scripted).filter((key) => !(key in declared));
	if (extra.length) throw new Error(`tool ${tool.name} declares no parameter ${extra.join(', ')}; it declares: ${Object.keys(declared).join(', ') || 'none'}`);
	const args = {};
	for (const [key, schema] of Object.entries(declared)) {
		if (!(key in scripted)) throw new Error(`tool ${tool.name} declares ${key} (${schema.type ?? 'any'}), the script has no value for it`);
		args[key] = scripted[key];
	}
	return args;
}

/** What the conversation holds so far: the scenario id, the tool results in order. */
function readConversation(messages) {
	const text = messages.map((message) => contentText(message.content)).join('\n');
	const scenario = SCENARIO_MARKER.exec(text)?.[1];
	const calls = messages.filter((message) => message.role === 'assistant' && message.tool_calls?.length).length;
	const results = messages.filter((message) => message.role === 'tool').map((message) => parseJson(contentText(message.content)));
	return { scenario, calls, results };
}

function completion(message, finishReason) {
	return {
		id: `chatcmpl-stand-in-${Date.now()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: MODEL_ID,
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
	};
}

/** The same answer as OpenAI streams it: role, content or tool call in pieces, finish, usage, [DONE]. */
function streamChunks(message, finishReason, includeUsage) {
	const base = { id: `chatcmpl-stand-in-${Date.now()}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: MODEL_ID };
	const chunk = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
	const chunks = [chunk({ role: 'assistant', content: message.content === null ? null : '' })];
	if (message.tool_calls) {
		for (const [index, call] of message.tool_calls.entries()) {
			const args = call.function.arguments;
			const half = Math.ceil(args.length / 2);
			chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
			chunks.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }));
			chunks.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }));
		}
	} else {
		const words = message.content.split(/(?<= )/);
		for (let i = 0; i < words.length; i += 3) chunks.push(chunk({ content: words.slice(i, i + 3).join('') }));
	}
	chunks.push(chunk({}, finishReason));
	if (includeUsage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } });
	return chunks;
}

function defaultFinal(results) {
	return `Done. The tool answered: ${results.map((result) => (typeof result === 'string' ? result : JSON.stringify(result))).join(' | ')}`;
}

export async function startStandInModel() {
	const scripts = new Map();
	const record = [];
	let callCounter = 0;

	/** The next answer of a scenario: a tool call, or the final text once every scripted call has a result. */
	function answerFor(body) {
		const messages = body.messages ?? [];
		const { scenario, calls, results } = readConversation(messages);
		if (!scenario) throw new Error('no [scenario: <id>] marker in the conversation');
		const script = scripts.get(scenario);
		if (!script) throw new Error(`no script for scenario "${scenario}" (scripted: ${[...scripts.keys()].join(', ') || 'none'})`);
		if (calls < script.calls.length) {
			const step = script.calls[calls];
			const tool = findTool(toolsOf(body), step.tool);
			const scripted = typeof step.args === 'function' ? step.args(results) : step.args;
			const args = buildArguments(tool, scripted);
			const call = { id: `call_${++callCounter}`, type: 'function', function: { name: tool.name, arguments: JSON.stringify(args) } };
			return { scenario, message: { role: 'assistant', content: null, tool_calls: [call] }, finishReason: 'tool_calls' };
		}
		const text = (script.final ?? defaultFinal)(results);
		return { scenario, message: { role: 'assistant', content: text }, finishReason: 'stop' };
	}

	const server = http.createServer((request, response) => {
		const chunks = [];
		request.on('data', (chunk) => chunks.push(chunk));
		request.on('end', () => {
			const path = (request.url ?? '').split('?')[0].replace(/\/+$/, '');
			if (request.method === 'GET' && path.endsWith('/models')) {
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ object: 'list', data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: 'stand-in' }] }));
				return;
			}
			if (request.method !== 'POST' || !path.endsWith('/chat/completions')) {
				response.writeHead(404, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: `the stand-in model serves POST /v1/chat/completions, not ${request.method} ${request.url}`, type: 'invalid_request_error' } }));
				return;
			}
			const body = parseJson(Buffer.concat(chunks).toString('utf8'));
			const entry = { at: new Date().toISOString(), stream: body?.stream === true, model: body?.model, tools: toolsOf(body ?? {}), messages: body?.messages ?? [], body };
			record.push(entry);
			let answer;
			try {
				answer = answerFor(body ?? {});
			} catch (error) {
				entry.answer = { error: error.message };
				response.writeHead(400, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: `stand-in model: ${error.message}`, type: 'invalid_request_error', param: null, code: null } }));
				return;
			}
			entry.scenario = answer.scenario;
			entry.answer = answer.message;
			if (!entry.stream) {
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify(completion(answer.message, answer.finishReason)));
				return;
			}
			response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
			for (const chunk of streamChunks(answer.message, answer.finishReason, body.stream_options?.include_usage === true)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
			response.end('data: [DONE]\n\n');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();

	const requestsOf = (scenario) => record.filter((entry) => entry.scenario === scenario || (scenario === undefined && !entry.scenario));
	return {
		url: `http://127.0.0.1:${port}/v1`,
		/** `{ calls: [{ tool: name | RegExp, args: object | (results) => object }], final?: (results) => string }` */
		script(scenario, plan) {
			scripts.set(scenario, { calls: plan.calls ?? [], final: plan.final });
		},
		/** What the stand-in was sent for a scenario, and what it answered. */
		requests: requestsOf,
		/** Every request, also those it could not match to a scenario. */
		all: () => record,
		/**
		 * The record of a scenario for a failure report: the tools it was offered, the conversation as
		 * its last request carried it (long texts cut), and what it answered to each request.
		 */
		describe(scenario) {
			const entries = scenario === undefined ? record : record.filter((entry) => entry.scenario === scenario || !entry.scenario);
			if (!entries.length) return `the stand-in model received no request${scenario ? ` for scenario "${scenario}"` : ''}`;
			const cut = (text) => (text.length > 400 ? `${text.slice(0, 400)}… (${text.length} characters)` : text);
			const lines = [`${entries.length} request(s), stream: ${entries.map((entry) => entry.stream).join(', ')}`];
			for (const tool of entries[0].tools) lines.push(`tool ${tool.name}: "${tool.description}", parameters ${cut(JSON.stringify(tool.parameters.properties ?? {}))}`);
			for (const message of entries.at(-1).messages) {
				lines.push(`${message.role}: ${cut(message.tool_calls ? `calls ${JSON.stringify(message.tool_calls.map((call) => call.function))}` : contentText(message.content))}`);
			}
			for (const [index, entry] of entries.entries()) lines.push(`answer ${index + 1}: ${cut(JSON.stringify(entry.answer))}`);
			return lines.join('\n');
		},
		async stop() {
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
