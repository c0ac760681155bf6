/**
 * An active webhook trigger as n8n's server runs it, around n8n-core's real HookContext and
 * WebhookContext, then WorkflowExecute for the execution a webhook starts. What the server adds is
 * reproduced from n8n 2.41.1 (webhooks/webhook.service.js, webhook-helpers.js):
 * - activation runs `checkExists`, then `create` when it answers false; an error fails it;
 * - a webhook function that returns `noWebhookResponse` has answered itself (its `workflowData`, if
 *   any, still starts an execution); one without
 *   `workflowData` is answered 200 with its `webhookResponse` (else "Webhook call received") and
 *   starts nothing; with `workflowData` an execution starts from the trigger node with those
 *   items, and `responseMode: onReceived` answers 200 "Workflow was started" once it has started;
 * - a webhook function that throws is answered 500.
 * `listen()` serves it over loopback HTTP, so that the emulator's callbacks reach it as they
 * would reach n8n.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { HookContext, WebhookContext } from 'n8n-core';
import { Workflow } from 'n8n-workflow';
import type { IDataObject, INode, INodeExecutionData, INodeParameters, INodeType, IWebhookData, IWebhookResponseData } from 'n8n-workflow';

import type { Engine, WorkflowRun } from './engine';
import { CREDENTIAL_TYPE, PACKAGE_NAME } from './engine';

export const CALLBACK_TRIGGER_NODE_TYPE = `${PACKAGE_NAME}.chatCallbackTrigger`;
export const CALLBACK_TRIGGER_NODE_NAME = 'Agora Chat Callback Trigger';
export const CALLBACK_CREDENTIAL_TYPE = 'agoraChatCallbackApi';

export interface WebhookAnswer {
	status: number;
	body: unknown;
}

export interface LogLine {
	level: string;
	message: string;
	meta?: unknown;
}

export interface DeliveryOutcome {
	answer: WebhookAnswer;
	/** The execution the callback started, if it started one. */
	execution?: Promise<WorkflowRun>;
	/** The node answered before n8n stored and started the execution (n8n answers only once it has started it). */
	answeredBeforeStart?: boolean;
}

/** The subset of Express's response the node may use, recording what it was told. */
class RecordingResponse {
	statusCode = 200;
	body: unknown;
	ended = false;

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	json(body: unknown): this {
		this.body = body;
		this.ended = true;
		return this;
	}

	send(body?: unknown): this {
		this.body = body;
		this.ended = true;
		return this;
	}

	end(): this {
		this.ended = true;
		return this;
	}
}

/** The trigger node with the test credentials (the Agora Chat API one only when given). */
export function callbackTriggerNode(parameters: INodeParameters, { withApiCredential = false, typeVersion = 1.1 } = {}): INode {
	return {
		id: 'agora-chat-callback-trigger',
		name: CALLBACK_TRIGGER_NODE_NAME,
		type: CALLBACK_TRIGGER_NODE_TYPE,
		typeVersion,
		position: [0, 0],
		webhookId: 'c0ffee00-0000-4000-8000-000000000018',
		parameters,
		credentials: {
			[CALLBACK_CREDENTIAL_TYPE]: { id: 'callback-credential-1', name: 'Agora Chat Callback account' },
			...(withApiCredential ? { [CREDENTIAL_TYPE]: { id: 'credential-1', name: 'Agora Chat account' } } : {}),
		},
	};
}

export class ActiveWebhook {
	/** Every answer given, in order. */
	readonly answers: WebhookAnswer[] = [];

	/** Every execution started, in order. */
	readonly executions: Array<Promise<WorkflowRun>> = [];

	/** What the node logged through n8n's logger. */
	readonly logs: LogLine[] = [];

	private server?: FastifyInstance;

	private readonly workflow: Workflow;

	constructor(
		private readonly engine: Engine,
		private readonly node: INode,
		private readonly mode: 'webhook' | 'manual' = 'webhook',
	) {
		this.workflow = new Workflow({ id: 'callback-test', name: 'Callback test', nodes: [node], connections: {}, active: true, nodeTypes: engine.types });
	}

	private get nodeType(): INodeType {
		return this.engine.types.getByNameAndVersion(this.node.type, this.node.typeVersion) as INodeType;
	}

	private webhookData(additionalData = this.engine.additionalData(undefined, undefined)): IWebhookData {
		const webhookDescription = this.nodeType.description.webhooks?.[0];
		if (!webhookDescription) throw new Error('The node declares no webhook');
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.node.webhookId}/webhook`,
			webhookDescription,
			workflowId: String(this.workflow.id),
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.node.webhookId,
			isTest: this.mode === 'manual',
		};
	}

	/** n8n's activation: checkExists, then create when it answers false. Throws what they throw. */
	async activate(): Promise<void> {
		const methods = this.nodeType.webhookMethods?.default;
		if (!methods) throw new Error('The node has no webhookMethods.default');
		const context = () => new HookContext(this.workflow, this.node, this.engine.additionalData(undefined, undefined), this.mode, 'activate', this.webhookData());
		if (!(await methods.checkExists.call(context()))) await methods.create.call(context());
	}

	async deactivate(): Promise<boolean> {
		const methods = this.nodeType.webhookMethods?.default;
		if (!methods) throw new Error('The node has no webhookMethods.default');
		return await methods.delete.call(new HookContext(this.workflow, this.node, this.engine.additionalData(undefined, undefined), this.mode, 'activate', this.webhookData()));
	}

	/** One HTTP POST as n8n hands it to the node: the parsed JSON body and the raw bytes. */
	async receive(body: unknown, { rawBody, headers = {} }: { rawBody?: Buffer; headers?: Record<string, string> } = {}): Promise<DeliveryOutcome> {
		const response = new RecordingResponse();
		const allHeaders: Record<string, string> = { 'content-type': 'application/json', ...headers };
		const raw = rawBody ?? Buffer.from(JSON.stringify(body ?? {}));
		// n8n reads the body of a version 1 webhook node always, of a later version only for the content types it parses.
		const readsBody = this.node.typeVersion === 1 || /^(application\/json|text\/plain|application\/x-www-form-urlencoded)|[/+]xml$/i.test(allHeaders['content-type'] ?? '');
		const request: { body: unknown; rawBody?: Buffer; readRawBody: () => Promise<void>; headers: Record<string, string>; query: object; params: object; method: string } = {
			body: readsBody ? (body ?? {}) : {},
			rawBody: readsBody ? raw : undefined,
			readRawBody: async () => {
				request.rawBody = raw;
			},
			headers: allHeaders,
			query: {},
			params: {},
			method: 'POST',
		};
		const additionalData = { ...this.engine.additionalData(undefined, undefined), httpRequest: request, httpResponse: response } as unknown as ReturnType<Engine['additionalData']>;
		const context = new WebhookContext(this.workflow, this.node, additionalData, this.mode, this.webhookData(additionalData), [], null);
		const restoreLogger = this.recordLogs(context.logger as unknown as Record<string, unknown>);
		let result: IWebhookResponseData;
		try {
			result = await (this.nodeType.webhook as (this: WebhookContext) => Promise<IWebhookResponseData>).call(context);
		} catch (error) {
			return this.answer({ status: 500, body: { message: 'Error in workflow', error: (error as Error).message } });
		} finally {
			restoreLogger();
		}
		if (result.noWebhookResponse) {
			if (!response.ended) throw new Error('The node returned noWebhookResponse without answering');
			// As n8n: the node answered itself, and workflowData still starts the execution.
			if (result.workflowData === undefined) return this.answer({ status: response.statusCode, body: response.body });
			return { ...this.answer({ status: response.statusCode, body: response.body }), execution: this.start(result.workflowData[0] ?? []), answeredBeforeStart: true };
		}
		if (result.workflowData === undefined) return this.answer({ status: 200, body: result.webhookResponse ?? { message: 'Webhook call received' } });
		// responseMode onReceived: the description's responseData if set, else the node's webhookResponse, else n8n's message.
		const execution = this.start(result.workflowData[0] ?? []);
		const responseData = this.nodeType.description.webhooks?.[0]?.responseData;
		const answerBody = responseData === 'noData' ? undefined : responseData || (result.webhookResponse ?? { message: 'Workflow was started' });
		return { ...this.answer({ status: 200, body: answerBody }), execution, answeredBeforeStart: false };
	}

	/** Serves the webhook on 127.0.0.1; resolves with its URL (what n8n shows as the Production URL). */
	async listen(): Promise<string> {
		const server = Fastify({ logger: false });
		server.removeAllContentTypeParsers();
		server.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, raw, done) => done(null, raw));
		server.post('/webhook/*', async (request, reply) => {
			const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
			let parsed: unknown = {};
			try {
				parsed = /json/i.test(String(request.headers['content-type'] ?? '')) && raw.length ? JSON.parse(raw.toString('utf8')) : {};
			} catch {
				parsed = {};
			}
			const { answer } = await this.receive(parsed, { rawBody: raw, headers: request.headers as Record<string, string> });
			await reply.code(answer.status).send(answer.body === undefined ? '' : answer.body);
		});
		await server.listen({ host: '127.0.0.1', port: 0 });
		this.server = server;
		const address = server.server.address();
		if (!address || typeof address === 'string') throw new Error('The webhook server has no port');
		return `http://127.0.0.1:${address.port}/webhook/${this.node.webhookId}/webhook`;
	}

	async close(): Promise<void> {
		await this.server?.close();
	}

	/** Every execution started so far, finished. */
	async settled(): Promise<WorkflowRun[]> {
		return await Promise.all(this.executions);
	}

	/** The trigger's output items of every execution started so far. */
	async emitted(): Promise<INodeExecutionData[][]> {
		return (await this.settled()).map((run) => run.outputs[this.node.name] ?? []);
	}

	private answer(answer: WebhookAnswer): DeliveryOutcome {
		this.answers.push(answer);
		return { answer };
	}

	private start(items: INodeExecutionData[]): Promise<WorkflowRun> {
		const execution = this.engine.runWorkflow({ name: 'Callback test', nodes: [this.node], connections: {} }, { triggerItems: items, mode: this.mode });
		this.executions.push(execution);
		return execution;
	}

	/** n8n's logger is one per process: its calls during a webhook call are recorded here instead. */
	private recordLogs(logger: Record<string, unknown>): () => void {
		const originals: Array<[string, unknown]> = [];
		for (const level of ['error', 'warn', 'info', 'debug']) {
			const original = logger[level];
			if (typeof original !== 'function') continue;
			originals.push([level, original]);
			logger[level] = (message: string, meta?: IDataObject) => {
				this.logs.push({ level, message, meta });
			};
		}
		return () => {
			for (const [level, original] of originals) logger[level] = original;
		};
	}
}
