/**
 * The node as an AI tool, run by n8n-core as n8n runs it (checked in n8n 2.41.1's source):
 *  - `asAiTool` is what n8n's NodeTypes makes of `<type>Tool` for a `usableAsTool` node: the
 *    description as convertNodeToAiTool writes it (name + 'Tool', one `ai_tool` output, the Tool
 *    Description parameters) and, for a declarative node, an `execute` that runs its RoutingNode;
 *  - `toolCallerNodeType` stands in for the AI Agent (3.x): it gets its tools from n8n-core
 *    (getInputConnectionData: createNodeAsTool builds each tool's name, description and JSON schema
 *    from the node's `$fromAI()` calls), then either asks the engine to run the tool call as a step
 *    of the execution (an EngineRequest, as the Agent does) and reads that step's output as the
 *    model would, or invokes the tool itself (as the MCP Server Trigger and older agents do).
 */
import { RoutingNode } from 'n8n-core';
import type { EngineRequest, EngineResponse, IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, INodeType } from 'n8n-workflow';

export const TOOL_CALLER_TYPE = 'toolCaller';
export const START_TYPE = 'start';
export const TOOL_CALLER_NAME = 'AI Agent';

/** The parameters convertNodeToAiTool adds (n8n/src/tool-generation/ai-tools.ts). */
function toolDescriptionProperties(defaultDescription: string): INodeProperties[] {
	return [
		{
			displayName: 'Tool Description',
			name: 'descriptionType',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Set Automatically', value: 'auto', description: 'Automatically set based on resource and operation' },
				{ name: 'Set Manually', value: 'manual', description: 'Manually set the description' },
			],
			default: 'auto',
		},
		{
			displayName: 'Description',
			name: 'toolDescription',
			type: 'string',
			default: defaultDescription,
			required: true,
			typeOptions: { rows: 2 },
			displayOptions: { show: { descriptionType: ['manual'] } },
		},
	];
}

export function asAiTool(nodeType: INodeType): INodeType {
	const { description } = nodeType;
	if (!description.usableAsTool) throw new Error(`${description.name} is not usable as a tool`);
	const tool: INodeType = Object.create(nodeType) as INodeType;
	tool.description = {
		...description,
		name: `${description.name}Tool`,
		displayName: `${description.displayName} Tool`,
		inputs: [],
		outputs: ['ai_tool'],
		usableAsTool: undefined,
		properties: [...description.properties, ...toolDescriptionProperties(description.description)],
	};
	// n8n's NodeTypes gives a declarative node an `execute` that runs its RoutingNode; a tool call needs it.
	tool.execute = async function (this: IExecuteFunctions) {
		// n8n passes its ExecuteContext, or a SupplyDataContext for a tool invoked directly.
		return (await new RoutingNode(this as ConstructorParameters<typeof RoutingNode>[0], tool).runNode()) ?? [];
	};
	return tool;
}

/** What the tool caller was offered by n8n-core for each connected tool. */
export interface OfferedTool {
	name: string;
	description: string;
	/** The JSON schema's properties as zod holds them: type name and description. */
	parameters: Record<string, { type: string; description?: string }>;
}

interface ZodLike {
	_def: { typeName: string; description?: string; innerType?: ZodLike };
	description?: string;
	shape?: Record<string, ZodLike>;
}

interface StructuredToolLike {
	name: string;
	description: string;
	schema: ZodLike;
	metadata?: { sourceNodeName?: string };
	invoke(args: IDataObject): Promise<unknown>;
}

function describeTool(tool: StructuredToolLike): OfferedTool {
	const parameters: OfferedTool['parameters'] = {};
	for (const [key, schema] of Object.entries(tool.schema.shape ?? {})) {
		// `.required()` wraps nothing here, but an optional parameter would be a ZodOptional around its type.
		const inner = schema._def.innerType ?? schema;
		parameters[key] = { type: inner._def.typeName.replace(/^Zod/, '').toLowerCase(), description: schema.description ?? inner.description };
	}
	return { name: tool.name, description: tool.description, parameters };
}

/**
 * Parameters: `toolName` (which connected tool to call), `args` (JSON), `via` ('agent': an
 * EngineRequest run by the engine, or 'invoke': the tool's own invoke). Its one output item:
 * `{ tools, answer?, thrown? }`: the tools offered, the tool's answer as the model reads it
 * (the step's output items, or invoke's string), the message of an error that was thrown.
 */
export const toolCallerNodeType: INodeType = {
	description: {
		displayName: 'Tool Caller',
		name: TOOL_CALLER_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Calls one of its tools, as an AI Agent calls them',
		defaults: { name: TOOL_CALLER_NAME },
		inputs: ['main', { type: 'ai_tool', displayName: 'Tools' }],
		outputs: ['main'],
		properties: [
			{ displayName: 'Tool Name', name: 'toolName', type: 'string', default: '' },
			{ displayName: 'Arguments', name: 'args', type: 'json', default: '{}' },
			{ displayName: 'Via', name: 'via', type: 'string', default: 'agent' },
		],
	},
	async execute(this: IExecuteFunctions, response?: EngineResponse): Promise<INodeExecutionData[][] | EngineRequest> {
		const tools = ((await this.getInputConnectionData('ai_tool', 0)) as StructuredToolLike[]).flat();
		const offered = tools.map(describeTool);
		const toolName = this.getNodeParameter('toolName', 0) as string;
		const rawArgs = this.getNodeParameter('args', 0) as string | IDataObject;
		const args = (typeof rawArgs === 'string' ? JSON.parse(rawArgs) : rawArgs) as IDataObject;
		const tool = tools.find((candidate) => candidate.name === toolName);
		if (!tool) return [[{ json: { tools: offered as unknown as IDataObject[], thrown: `no tool ${toolName}` } }]];
		if (this.getNodeParameter('via', 0) === 'invoke') {
			try {
				return [[{ json: { tools: offered as unknown as IDataObject[], answer: JSON.parse(String(await tool.invoke(args))) as IDataObject } }]];
			} catch (error) {
				return [[{ json: { tools: offered as unknown as IDataObject[], thrown: (error as Error).message } }]];
			}
		}
		const done = response?.actionResponses?.[0];
		if (!done) {
			return {
				actions: [{ actionType: 'ExecutionNodeAction', nodeName: tool.metadata?.sourceNodeName ?? '', input: args, type: 'ai_tool', id: 'call_1', metadata: { itemIndex: 0 } }],
				metadata: {},
			};
		}
		// What the Agent hands its model (buildSteps' observation): the step's output items, else its error.
		const items = done.data.data?.ai_tool?.[0]?.map((item) => item.json);
		return [[{ json: { tools: offered as unknown as IDataObject[], answer: (items ?? null) as IDataObject[] | null, thrown: done.data.error?.message ?? null } }]];
	},
};

/** Passes its input on: the node an execution starts from. */
export const startNodeType: INodeType = {
	description: {
		displayName: 'Start',
		name: START_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Passes its input on',
		defaults: { name: 'Start' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	},
};
