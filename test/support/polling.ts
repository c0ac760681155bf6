/**
 * An active polling trigger as n8n's server runs it, around n8n-core's real PollContext and
 * PollTriggerExecutor. What the server adds is reproduced from n8n 2.41.1
 * (workflows/triggers/trigger-execution-context.factory.js, workflow-trigger-activator.js):
 * - activation runs the first poll (as a test poll: its error fails the activation), then saves
 *   the workflow's static data;
 * - a poll that emits saves the static data with its items; a poll that emits nothing saves
 *   nothing, so its changes live only in this process;
 * - a failed poll is recorded as an error, the workflow stays active.
 * "The database" is the saved static data as JSON: `restart()` starts over from it alone, as a
 * new n8n process (or another queue-mode main) would.
 */
import { Container } from '@n8n/di';
import { PollContext, PollTriggerExecutor } from 'n8n-core';
import { Workflow } from 'n8n-workflow';
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { Engine } from './engine';
import { CREDENTIAL_TYPE, PACKAGE_NAME } from './engine';

export const TRIGGER_NODE_TYPE = `${PACKAGE_NAME}.chatGroupTrigger`;
export const TRIGGER_NODE_NAME = 'Agora Chat Group Trigger';

export interface PollOutcome {
	/** The items the poll emitted (first output), or null when it emitted nothing. */
	emitted: INodeExecutionData[] | null;
	error?: Error;
}

type ObservableStaticData = IDataObject & { __dataChanged?: boolean };

export class ActivePoller {
	/** Every emission since activation, in order. */
	readonly emissions: INodeExecutionData[][] = [];

	/** Every recorded poll failure since activation. */
	readonly errors: Error[] = [];

	/** How often the static data was written to "the database". */
	saves = 0;

	private savedStaticData: string;

	private workflow!: Workflow;

	private runPoll!: (testingTrigger?: boolean) => Promise<void>;

	private lastEmission: INodeExecutionData[] | null = null;

	private lastError: Error | undefined;

	constructor(
		private readonly engine: Engine,
		private readonly node: INode,
		savedStaticData = '{}',
	) {
		this.savedStaticData = savedStaticData;
	}

	/** The node's static data as saved: what a new process would start from. */
	get saved(): IDataObject {
		const workflowStaticData = JSON.parse(this.savedStaticData) as IDataObject;
		return (workflowStaticData[`node:${this.node.name}`] as IDataObject | undefined) ?? {};
	}

	/** The node's static data in this process's memory, saved or not. */
	get inMemory(): IDataObject {
		return JSON.parse(JSON.stringify(this.workflow.getStaticData('node', this.node))) as IDataObject;
	}

	/** Activates the workflow: builds it from the saved data, runs the first poll, saves. */
	async activate(): Promise<PollOutcome> {
		this.workflow = new Workflow({
			id: 'trigger-test',
			name: 'Trigger test',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes: this.engine.types,
			staticData: JSON.parse(this.savedStaticData) as IDataObject,
		});
		const additionalData = this.engine.additionalData(undefined, undefined);
		const pollFunctions = new PollContext(
			this.workflow,
			this.node,
			additionalData,
			'trigger',
			'activate',
			(data) => {
				this.save();
				this.lastEmission = data[0] ?? [];
				this.emissions.push(this.lastEmission);
			},
			(error) => {
				this.lastError = error;
				this.errors.push(error);
			},
		);
		this.runPoll = Container.get(PollTriggerExecutor).create(this.workflow, this.node, pollFunctions, () => true);
		const outcome = await this.tick(true);
		this.save();
		return outcome;
	}

	/** One scheduled poll. */
	async poll(): Promise<PollOutcome> {
		return await this.tick(false);
	}

	/** A new process: nothing of this one's memory, only the saved static data. */
	restart(): ActivePoller {
		return new ActivePoller(this.engine, this.node, this.savedStaticData);
	}

	private async tick(testingTrigger: boolean): Promise<PollOutcome> {
		this.lastEmission = null;
		this.lastError = undefined;
		try {
			await this.runPoll(testingTrigger);
		} catch (error) {
			// A test poll (activation) throws instead of recording the error.
			return { emitted: null, error: error as Error };
		}
		return { emitted: this.lastEmission, error: this.lastError };
	}

	private save(): void {
		const staticData = this.workflow.staticData as ObservableStaticData;
		if (staticData.__dataChanged !== true) return;
		this.savedStaticData = JSON.stringify(staticData);
		staticData.__dataChanged = false;
		this.saves++;
	}
}

/** A workflow whose only node is the trigger, with these parameters and the test credential. */
export function triggerNode(parameters: INodeParameters): INode {
	return {
		id: 'agora-chat-group-trigger',
		name: TRIGGER_NODE_NAME,
		type: TRIGGER_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, ...parameters },
		credentials: { [CREDENTIAL_TYPE]: { id: 'credential-1', name: 'Agora Chat account' } },
	};
}
