/**
 * Runs the built package in n8n's real execution engine (n8n-core's WorkflowExecute and
 * RoutingNode), loaded from dist/ through package.json's `n8n` attribute as n8n loads it.
 * It stands in for the n8n server only where the server would read its database:
 * credentials are kept in memory, binary data stays inline.
 */
import 'reflect-metadata';

import { randomBytes } from 'crypto';

import { Container } from '@n8n/di';
import { BinaryDataService, Credentials, DataDeduplicationService, ExecutionLifecycleHooks, LoadOptionsContext, PackageDirectoryLoader, WorkflowExecute, WorkflowHasIssuesError } from 'n8n-core';
import { createRunExecutionData, ICredentialsHelper, NodeHelpers, sleep, Workflow } from 'n8n-workflow';
import type {
	ExecutionError,
	IBinaryData,
	IConnections,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRun,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import { asAiTool, START_TYPE, startNodeType, TOOL_CALLER_NAME, TOOL_CALLER_TYPE, toolCallerNodeType } from './aiTool';
import type { OfferedTool } from './aiTool';
import { InMemoryDeduplicator } from './deduplication';
import { packageRoot } from './node';

export const PACKAGE_NAME = 'n8n-nodes-agora-chat';
export const CHAT_GROUP_NODE_TYPE = `${PACKAGE_NAME}.chatGroup`;
export const CREDENTIAL_TYPE = 'agoraChatApi';
export const NODE_NAME = 'Agora Chat Group';

/** Node types by full name (`package.name`), from the packages loaded so far. */
class PackageNodeTypes implements INodeTypes {
	/** Node types made up for one run, e.g. the temporary node of a credential test. */
	readonly temporary = new Map<string, INodeType>();

	private readonly loaders = new Map<string, PackageDirectoryLoader>();

	add(loader: PackageDirectoryLoader): void {
		this.loaders.set(loader.packageName, loader);
	}

	/** The `…Tool` variants n8n makes of `usableAsTool` nodes, made once. */
	private readonly tools = new Map<string, INodeType>();

	getByName(type: string): INodeType | IVersionedNodeType {
		const temporary = this.temporary.get(type);
		if (temporary) return temporary;
		const separator = type.lastIndexOf('.');
		const loaded = this.loaders.get(type.slice(0, separator))?.nodeTypes[type.slice(separator + 1)];
		if (loaded) return loaded.type;
		if (type.endsWith('Tool')) {
			const tool = this.tools.get(type) ?? asAiTool(this.getByName(type.slice(0, -'Tool'.length)) as INodeType);
			this.tools.set(type, tool);
			return tool;
		}
		throw new Error(`Unknown node type ${type}`);
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes() {
		return Object.assign({}, ...[...this.loaders.values()].map((loader) => loader.known.nodes));
	}
}

/**
 * Credentials as the n8n server handles them: decrypted data per type, function-type
 * `authenticate`, and `preAuthentication` for an expirable field, refreshed on request
 * (first use, or a 401) and written back as the server writes it to its database.
 */
export class InMemoryCredentialsHelper extends ICredentialsHelper {
	private readonly stored = new Map<string, ICredentialDataDecryptedObject>();

	/** How often preAuthentication fetched a new value (e.g. an Easemob token). */
	preAuthenticationCount = 0;

	constructor(private readonly credentialTypes: Record<string, ICredentialType>) {
		super();
	}

	set(type: string, data: ICredentialDataDecryptedObject): void {
		this.stored.set(type, { ...data });
	}

	get(type: string): ICredentialDataDecryptedObject | undefined {
		return this.stored.get(type);
	}

	private credentialType(name: string): ICredentialType {
		const type = this.credentialTypes[name];
		if (!type) throw new Error(`Unknown credential type ${name}`);
		return type;
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialType(typeName);
		if (typeof authenticate !== 'function') throw new Error('This harness applies function-type authenticate only');
		return await authenticate(credentials, requestOptions);
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		return await this.refreshExpirable(helpers, credentials, typeName, credentialsExpired);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		return await this.refreshExpirable(helpers, credentials, typeName, true);
	}

	private async refreshExpirable(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		force: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialType(typeName);
		const expirable = type.properties.find((property) => property.type === 'hidden' && property.typeOptions?.expirable);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && credentials[expirable.name] !== undefined && !force) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		this.preAuthenticationCount++;
		const updated = Object.assign(credentials, output);
		this.stored.set(typeName, { ...updated });
		return updated;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string) {
		return new Credentials(nodeCredentials, type, '');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.stored.get(type);
		if (!data) throw new Error(`No credentials of type ${type} were given to the harness`);
		return { ...data };
	}

	async updateCredentials(_nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.stored.set(type, { ...data });
	}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.credentialType(type).properties;
	}
}

export interface NodeRun {
	/** The node's output items (first output). */
	items: INodeExecutionData[];
	/** The error that stopped the node, if it failed. */
	error?: ExecutionError;
	run: IRun;
}

export interface RunOptions {
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** Another node type than the Agora Chat Group node (used by the credential test). */
	nodeType?: string;
	/** Cancels the execution after this long, as the editor's Stop button does. */
	cancelAfterMs?: number;
	/** The node's version (default 1, what workflows saved before 1.1 hold). */
	typeVersion?: number;
}

/** A workflow as n8n exports it (and `n8n import:workflow` reads it). */
export interface WorkflowFile {
	id?: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export interface ToolCallOptions {
	/** 'agent': run by the engine as the AI Agent (3.x) has it run; 'invoke': the tool's own invoke (MCP Server Trigger). */
	via?: 'agent' | 'invoke';
	/** The tool node's version: 1.1 is what the editor gives a new node. */
	typeVersion?: number;
	/** The tool node's Settings > On Error. */
	onError?: INode['onError'];
}

export interface ToolCall {
	/** Each tool the caller was offered: name, description, parameters of the JSON schema. */
	tools: OfferedTool[];
	/** What the model reads: the tool step's output items ('agent'), or invoke's parsed answer. */
	answer: unknown;
	/** The message of an error the tool call threw (or the step failed with). */
	thrown: string | null;
	/** The error that stopped the whole execution, if any. */
	error?: ExecutionError;
	run: IRun;
}

export interface WorkflowRun {
	/** Output items of each node that ran, by node name (first output, first run). */
	outputs: Record<string, INodeExecutionData[]>;
	/** Node names in the order they ran. */
	order: string[];
	error?: ExecutionError;
	run: IRun;
}

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/** The Agora Chat Group node with these parameters and the harness's credential, as a workflow holds it. */
function agoraNode(parameters: INodeParameters, overrides: Partial<INode> = {}): INode {
	return {
		id: 'agora-chat-group',
		name: NODE_NAME,
		type: CHAT_GROUP_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: 'credential-1', name: 'Agora Chat account' } },
		...overrides,
	};
}

/** `a.b.c` inside an object, as the credential test's rules address response fields. */
function valueAtPath(source: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), source);
}

interface ErrorWithCause {
	message: string;
	cause?: { response?: { status: number; statusText?: string }; code?: string };
}

/** n8n's deduplication service allows one initialisation per process. */
const deduplicator = new InMemoryDeduplicator();
let deduplicationReady: Promise<void> | undefined;

/** Execution ids unique across test processes too (binary data on disk is kept per execution id). */
const executionIdPrefix = `execution-${randomBytes(4).toString('hex')}`;
let executionCounter = 0;

export class Engine {
	readonly credentials: InMemoryCredentialsHelper;

	private readonly nodeTypes = new PackageNodeTypes();

	private constructor(private readonly loader: PackageDirectoryLoader) {
		this.nodeTypes.add(loader);
		const credentialTypes = Object.fromEntries(
			Object.entries(loader.credentialTypes).map(([name, loaded]) => [name, loaded.type]),
		);
		this.credentials = new InMemoryCredentialsHelper(credentialTypes);
	}

	/**
	 * Loads this package from dist/ through package.json's `n8n` attribute, as n8n does.
	 * Binary data stays inline (base64, n8n 1.x's default) or goes to disk (`filesystem`, 2.x's default).
	 */
	static async load({ binaryMode = 'inline' }: { binaryMode?: 'inline' | 'filesystem' } = {}): Promise<Engine> {
		const loader = new PackageDirectoryLoader(packageRoot);
		await loader.loadAll();
		const binaryData = Container.get(BinaryDataService);
		if (binaryMode === 'filesystem') await binaryData.init();
		deduplicationReady ??= DataDeduplicationService.init(deduplicator);
		await deduplicationReady;
		return new Engine(loader);
	}

	/** Stores bytes as n8n's binary data service does for a node's output, in the current mode. */
	async storeBinary(content: Buffer, fileName: string, mimeType: string): Promise<IBinaryData> {
		return await Container.get(BinaryDataService).store(
			{ type: 'execution', workflowId: 'engine-test', executionId: 'execution-0' },
			content,
			{ data: '', fileName, mimeType },
		);
	}

	/** The bytes of a binary property, inline or stored. */
	async readBinary(binary: IBinaryData): Promise<Buffer> {
		return await Container.get(BinaryDataService).getAsBuffer(binary);
	}

	/** Forgets what Remove Duplicates recorded in earlier executions (n8n keeps it in its database). */
	clearDeduplicationHistory(): void {
		deduplicator.clear();
	}

	/** Where n8n keeps a stored binary on disk (filesystem mode). */
	binaryPath(binary: IBinaryData): string {
		if (!binary.id) throw new Error('The binary data is not stored (inline mode)');
		return Container.get(BinaryDataService).getPath(binary.id);
	}

	/** Loads the given n8n-nodes-base nodes (e.g. `n8n-nodes-base.set`), the real ones n8n ships. */
	async loadBaseNodes(types: string[]): Promise<void> {
		const loader = new PackageDirectoryLoader(`${packageRoot}/node_modules/n8n-nodes-base`, [], types);
		await loader.loadAll();
		this.nodeTypes.add(loader);
	}

	/**
	 * A node type made up for a test workflow (`test.<name>`): it runs `step` with its input items
	 * and passes them on, e.g. to change the world between two Agora Chat nodes of one execution.
	 */
	defineStepNode(name: string, step: (items: INodeExecutionData[]) => void | Promise<void>): string {
		const type = `test.${name}`;
		this.nodeTypes.temporary.set(type, {
			description: {
				displayName: name,
				name,
				group: ['transform'],
				version: 1,
				description: 'A step of a test workflow',
				defaults: { name },
				inputs: ['main'],
				outputs: ['main'],
				properties: [],
			},
			async execute(this: { getInputData(): INodeExecutionData[] }) {
				const items = this.getInputData();
				await step(items);
				return [items];
			},
		} as unknown as INodeType);
		return type;
	}

	get nodeDescription() {
		return (this.nodeTypes.getByNameAndVersion(CHAT_GROUP_NODE_TYPE) as INodeType).description;
	}

	get credentialType(): ICredentialType {
		return this.loader.credentialTypes[CREDENTIAL_TYPE].type;
	}

	useCredentials(data: ICredentialDataDecryptedObject): void {
		this.credentials.set(CREDENTIAL_TYPE, data);
	}

	/** Runs the Agora Chat Group node once, with `items` as its input. */
	async run(parameters: INodeParameters, options: RunOptions = {}): Promise<NodeRun> {
		const node = agoraNode(parameters, {
			type: options.nodeType ?? CHAT_GROUP_NODE_TYPE,
			typeVersion: options.typeVersion ?? 1,
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		});
		const run = await this.execute({ name: 'Engine test', nodes: [node], connections: {} }, node, options.items ?? [{ json: {} }], 'manual', options.cancelAfterMs);
		const taskData = run.data.resultData.runData[NODE_NAME]?.[0];
		return {
			items: taskData?.data?.main?.[0] ?? [],
			error: run.data.resultData.error ?? taskData?.error,
			run,
		};
	}

	/**
	 * Runs a whole workflow from its first trigger node, which receives one empty item, or, as
	 * n8n runs the workflow of an active trigger, the items the trigger emitted.
	 */
	async runWorkflow(
		file: WorkflowFile,
		{ triggerItems, mode }: { triggerItems?: INodeExecutionData[]; mode?: WorkflowExecuteMode } = {},
	): Promise<WorkflowRun> {
		const trigger = file.nodes.find((node) => /trigger/i.test(node.type));
		if (!trigger) throw new Error(`${file.name} has no trigger node`);
		const run = await this.execute(file, trigger, triggerItems ?? [{ json: {} }], mode ?? (triggerItems ? 'trigger' : 'manual'));
		const { runData } = run.data.resultData;
		const order = Object.keys(runData).sort((a, b) => runData[a][0].startTime - runData[b][0].startTime);
		return {
			outputs: Object.fromEntries(order.map((name) => [name, runData[name][0]?.data?.main?.[0] ?? []])),
			order,
			error: run.data.resultData.error,
			run,
		};
	}

	/**
	 * Calls the node's tool variant (`chatGroupTool`) with `parameters` as an AI Agent's model would,
	 * with `args` as the values of its `$fromAI()` keys (see support/aiTool.ts).
	 */
	async callTool(parameters: INodeParameters, args: Record<string, unknown>, { via = 'agent', typeVersion = 1.1, onError }: ToolCallOptions = {}): Promise<ToolCall> {
		this.nodeTypes.temporary.set(TOOL_CALLER_TYPE, toolCallerNodeType);
		this.nodeTypes.temporary.set(START_TYPE, startNodeType);
		// The Agent's engine request is answered to the node that ran before it: it needs one.
		const trigger: INode = { id: 'start', name: 'Start', type: START_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
		const tool = agoraNode(parameters, { name: `${NODE_NAME} Tool`, type: `${CHAT_GROUP_NODE_TYPE}Tool`, typeVersion, ...(onError ? { onError } : {}) });
		const caller: INode = {
			id: 'tool-caller',
			name: TOOL_CALLER_NAME,
			type: TOOL_CALLER_TYPE,
			typeVersion: 1,
			position: [200, 0],
			parameters: { toolName: `${NODE_NAME} Tool`.replace(/[^a-zA-Z0-9_-]+/g, '_'), args: JSON.stringify(args), via },
		};
		const connections: IConnections = {
			[trigger.name]: { main: [[{ node: caller.name, type: 'main', index: 0 }]] },
			[tool.name]: { ai_tool: [[{ node: caller.name, type: 'ai_tool', index: 0 }]] },
		};
		const run = await this.execute({ name: 'Tool call', nodes: [trigger, caller, tool], connections, settings: { executionOrder: 'v1' } }, trigger, [{ json: {} }]);
		const output = run.data.resultData.runData[TOOL_CALLER_NAME]?.at(-1)?.data?.main?.[0]?.[0]?.json as { tools?: OfferedTool[]; answer?: unknown; thrown?: string | null } | undefined;
		return { tools: output?.tools ?? [], answer: output?.answer, thrown: output?.thrown ?? null, error: run.data.resultData.error, run };
	}

	/** What n8n's server hands every node context: URLs, the credentials, the hooks. */
	additionalData(hooks?: ExecutionLifecycleHooks, executionId: string | undefined = 'execution-1'): IWorkflowExecuteAdditionalData {
		return {
			credentialsHelper: this.credentials,
			hooks,
			executionId,
			currentNodeExecutionIndex: 0,
			variables: {},
			restApiUrl: 'http://localhost:5678/rest',
			instanceBaseUrl: 'http://localhost:5678/',
			formBaseUrl: 'http://localhost:5678/form',
			formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
			formTestBaseUrl: 'http://localhost:5678/form-test',
			webhookBaseUrl: 'http://localhost:5678/webhook',
			webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
			webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
			mcpBaseUrl: 'http://localhost:5678/mcp',
			mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
			executeWorkflow: async () => {
				throw new Error('Sub-workflows are not available in engine tests');
			},
			getRunExecutionData: async () => undefined,
			getRuntimeCredential: async () => undefined,
			logAiEvent: () => undefined,
			startRunnerTask: async () => {
				throw new Error('Task runners are not available in engine tests');
			},
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	/** The node types n8n would know: this package, and the n8n-nodes-base nodes loaded so far. */
	get types(): INodeTypes {
		return this.nodeTypes;
	}

	/**
	 * A resource locator's list, as the editor asks n8n for it (DynamicNodeParametersService):
	 * the node with the parameters the editor holds, the method called in a LoadOptionsContext.
	 */
	async listSearch(method: string, parameters: INodeParameters, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
		const node = agoraNode(parameters);
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: this.nodeTypes });
		const nodeType = this.nodeTypes.getByNameAndVersion(CHAT_GROUP_NODE_TYPE) as INodeType;
		const search = nodeType.methods?.listSearch?.[method];
		if (!search) throw new Error(`The node has no listSearch method ${method}`);
		// The editor's look-ups run outside any execution.
		const additionalData = { ...this.additionalData(), executionId: undefined, currentNodeParameters: parameters };
		const context = new LoadOptionsContext(workflow, node, additionalData, 'parameters.groupId');
		return await search.call(context, filter, paginationToken);
	}

	private async execute(
		file: WorkflowFile,
		startNode: INode,
		items: INodeExecutionData[],
		mode: WorkflowExecuteMode = 'manual',
		cancelAfterMs?: number,
	): Promise<IRun> {
		const workflow = new Workflow({
			id: file.id ?? 'engine-test',
			name: file.name,
			nodes: file.nodes,
			connections: file.connections,
			settings: file.settings,
			nodeTypes: this.nodeTypes,
			active: false,
		});
		// Every run is its own execution, as in n8n: per-execution caches must not carry over.
		const executionId = `${executionIdPrefix}-${++executionCounter}`;
		const hooks = new ExecutionLifecycleHooks(mode, executionId, {
			id: workflow.id,
			name: file.name,
			active: false,
			isArchived: false,
			activeVersionId: null,
			nodes: file.nodes,
			connections: file.connections,
			createdAt: new Date(),
			updatedAt: new Date(),
		});
		const additionalData = this.additionalData(hooks, executionId);

		const runExecutionData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: startNode, data: { main: [items] }, source: null }] },
		});
		const execution = new WorkflowExecute(additionalData, mode, runExecutionData);
		return await Promise.resolve()
			.then(async () => {
				const running = execution.processRunExecutionData(workflow);
				if (cancelAfterMs !== undefined) void sleep(cancelAfterMs).then(() => running.cancel());
				return await running;
			})
			.catch((error: Error) => {
				// n8n refuses a workflow whose required parameters are empty before running any node.
				if (error instanceof WorkflowHasIssuesError) return { data: { resultData: { runData: {}, error } } } as unknown as IRun;
				throw error;
			});
	}

	/**
	 * The credential's `test`, run as n8n's CredentialsTester runs it: a copy of the node that
	 * uses the credential, whose only property routes the test request, then the test's rules.
	 */
	async testCredential(data: ICredentialDataDecryptedObject): Promise<CredentialTestResult> {
		const testRequest = this.credentialType.test;
		if (!testRequest) throw new Error('The credential has no test');
		const testNodeType: INodeType = {
			description: {
				...this.nodeDescription,
				name: 'credentialTest',
				credentials: [{ name: CREDENTIAL_TYPE, required: true }],
				properties: [{ displayName: 'Temp', name: 'temp', type: 'string', default: '', routing: { request: testRequest.request } }],
			},
		};
		this.nodeTypes.temporary.set('credentialTest', testNodeType);
		this.useCredentials(data);
		try {
			const { items, error } = await this.run({ temp: '' }, { nodeType: 'credentialTest' });
			if (error) return this.credentialTestFailure(error as unknown as ErrorWithCause);
			for (const rule of testRequest.rules ?? []) {
				if (rule.type === 'responseSuccessBody' && valueAtPath(items[0]?.json, rule.properties.key) === rule.properties.value) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			return { status: 'OK', message: 'Connection successful!' };
		} finally {
			this.nodeTypes.temporary.delete('credentialTest');
		}
	}

	private credentialTestFailure(error: ErrorWithCause): CredentialTestResult {
		const response = error.cause?.response;
		if (response) {
			for (const rule of this.credentialType.test?.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === response.status) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (response.status < 199 || response.status > 299) {
				return { status: 'Error', message: response.statusText || `Received HTTP status code: ${response.status}` };
			}
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		return { status: 'Error', message: String(error.message) };
	}
}
