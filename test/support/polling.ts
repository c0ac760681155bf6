/**
 * An active polling trigger as n8n's server runs it, around n8n-core's real PollContext,
 * PollTriggerExecutor and TriggersAndPollers. What the server adds is reproduced from n8n 2.41.1,
 * in its two ways of polling:
 *
 * `legacy` (n8n's default; also n8n 1.x): workflows/triggers/trigger-execution-context.factory.js,
 * workflow-trigger-activator.js, n8n-core active-workflow-triggers.js:
 * - activation runs the first poll (as a test poll: its error fails the activation), then saves
 *   the workflow's static data;
 * - a poll that emits saves the static data with its items; a poll that emits nothing saves
 *   nothing, so its changes live only in this process (one Workflow object for every poll);
 * - a failed poll is recorded as an error, the workflow stays active; nothing stops two polls of
 *   one workflow from running at once (every cron tick starts one).
 *
 * `durable` (N8N_SCHEDULER_ENABLED, N8N_SCHEDULER_POLL_TRIGGERS_ENABLED,
 * N8N_POLLER_DURABLE_CURSORS_ENABLED): scheduling/poll-trigger-node/poll-trigger-task-handler.js,
 * workflows/triggers/poll-cursor.service.js, @n8n/db poller-state.repository.js:
 * - the node's static data is a "cursor" row of its own, created from the node's static data the
 *   first time a poll needs it; every poll works on a copy of it, which is committed only with
 *   the execution of a poll that emits, or alone after a scheduled poll that emits nothing;
 * - the activation poll runs only when the workflow's scheduler jobs are new (an activation, not
 *   a restart); its copy is committed only if it emits: a record it makes and does not emit is
 *   lost. The activator still saves the workflow's own static data afterwards;
 * - each scheduled poll builds its workflow anew from the database, is told its time budget
 *   (getPollBudgetMs) and is abandoned after the poll timeout: its result is dropped, although
 *   the poll itself runs on.
 *
 * "The database" is the saved JSON: `restart()` starts over from it alone, as a new n8n process
 * (or another queue-mode main) would; `reactivate()` as a deactivation and activation would.
 */
import { Container } from '@n8n/di';
import { PollContext, PollTriggerExecutor, TriggersAndPollers } from 'n8n-core';
import { sleep, Workflow } from 'n8n-workflow';
import type { IDataObject, INode, INodeExecutionData, INodeParameters, IPollFunctions } from 'n8n-workflow';

import type { Engine } from './engine';
import { CREDENTIAL_TYPE, PACKAGE_NAME } from './engine';

export const TRIGGER_NODE_TYPE = `${PACKAGE_NAME}.chatGroupTrigger`;
export const TRIGGER_NODE_NAME = 'Agora Chat Group Trigger';

export type Scheduler = 'legacy' | 'durable';

export interface PollerOptions {
	scheduler?: Scheduler;
	/** durable: after this long the scheduler abandons a poll (N8N_SCHEDULER_POLL_TIMEOUT, 45 s). */
	pollTimeoutMs?: number;
	/** durable: what getPollBudgetMs answers (n8n: the timeout less a margin, 36 s by default). */
	pollBudgetMs?: number;
}

/** What n8n keeps in its database for the workflow. */
interface Saved {
	/** The workflow's static data, as JSON. */
	staticData: string;
	/** durable: the node's cursor row, as JSON, once created. */
	cursor: string | null;
}

export interface PollOutcome {
	/** The items the poll emitted (first output), or null when it emitted nothing. */
	emitted: INodeExecutionData[] | null;
	error?: Error;
	/** durable: the scheduler gave up on the poll (its result is dropped). */
	abandoned?: boolean;
}

type ObservableStaticData = IDataObject & { __dataChanged?: boolean };

const WORKFLOW_ID = 'trigger-test';
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class ActivePoller {
	/** Every emission since activation, in order. */
	readonly emissions: INodeExecutionData[][] = [];

	/** Every recorded poll failure since activation. */
	readonly errors: Error[] = [];

	/** How often the workflow's static data was written to "the database". */
	saves = 0;

	private readonly saved: Saved;

	private workflow!: Workflow;

	private runLegacyPoll!: (testingTrigger?: boolean) => Promise<void>;

	/** Polls still running, abandoned ones included. */
	private readonly running = new Set<Promise<unknown>>();

	private readonly scheduler: Scheduler;

	constructor(
		private readonly engine: Engine,
		private readonly node: INode,
		saved: string | Saved = '{}',
		private readonly options: PollerOptions = {},
		/** durable: whether activating creates the scheduler's jobs (so runs the activation poll). */
		private readonly jobsAreNew = true,
	) {
		this.saved = typeof saved === 'string' ? { staticData: saved, cursor: null } : { ...saved };
		this.scheduler = options.scheduler ?? 'legacy';
	}

	/** The node's state as saved: what a new process would start from (durable: the cursor, once it exists). */
	get savedState(): IDataObject {
		if (this.saved.cursor !== null) return JSON.parse(this.saved.cursor) as IDataObject;
		const workflowStaticData = JSON.parse(this.saved.staticData) as IDataObject;
		return (workflowStaticData[`node:${this.node.name}`] as IDataObject | undefined) ?? {};
	}

	/** The workflow's own static data as saved (the node's included, under `node:<name>`). */
	get savedStaticData(): IDataObject {
		return JSON.parse(this.saved.staticData) as IDataObject;
	}

	/** legacy: the node's static data in this process's memory, saved or not. */
	get inMemory(): IDataObject {
		return clone(this.workflow.getStaticData('node', this.node));
	}

	/** Activates the workflow: builds it from the saved data, runs the first poll, saves. */
	async activate(): Promise<PollOutcome> {
		this.workflow = this.workflowFromDatabase();
		if (this.scheduler === 'durable') {
			if (!this.jobsAreNew) return { emitted: null };
			const outcome = await this.durablePoll(this.workflow, true);
			this.saveStaticData(this.workflow);
			return outcome;
		}
		const pollFunctions = new PollContext(
			this.workflow,
			this.node,
			this.engine.additionalData(undefined, undefined),
			'trigger',
			'activate',
			(data) => this.emit(this.workflow, data),
			(error) => this.errors.push(error),
		);
		this.runLegacyPoll = Container.get(PollTriggerExecutor).create(this.workflow, this.node, pollFunctions, () => true);
		const outcome = await this.tick(async () => await this.runLegacyPoll(true));
		this.saveStaticData(this.workflow);
		return outcome;
	}

	/** One scheduled poll. */
	async poll(): Promise<PollOutcome> {
		if (this.scheduler === 'durable') return await this.durablePoll(this.workflowFromDatabase(), false);
		return await this.tick(async () => await this.runLegacyPoll(false));
	}

	/** A new process: nothing of this one's memory, only what was saved (durable: its jobs stay). */
	restart(): ActivePoller {
		return new ActivePoller(this.engine, this.node, this.saved, this.options, false);
	}

	/** The workflow deactivated and activated again (durable: its jobs are removed and created anew). */
	reactivate(): ActivePoller {
		return new ActivePoller(this.engine, this.node, this.saved, this.options, true);
	}

	/** The same saved data watched by a trigger with other parameters (another group, another filter). */
	withParameters(parameters: INodeParameters): ActivePoller {
		return new ActivePoller(this.engine, { ...this.node, parameters: { ...this.node.parameters, ...parameters } }, this.saved, this.options, true);
	}

	/** Waits for every poll still running, abandoned ones included. */
	async settle(): Promise<void> {
		await Promise.allSettled([...this.running]);
	}

	private workflowFromDatabase(): Workflow {
		return new Workflow({
			id: WORKFLOW_ID,
			name: 'Trigger test',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes: this.engine.types,
			staticData: JSON.parse(this.saved.staticData) as IDataObject,
		});
	}

	/** legacy: one run of n8n-core's PollTriggerExecutor; its emission or error comes through the hooks. */
	private async tick(run: () => Promise<void>): Promise<PollOutcome> {
		const before = { emissions: this.emissions.length, errors: this.errors.length };
		const running = run();
		this.running.add(running);
		try {
			await running;
		} catch (error) {
			// A test poll (activation) throws instead of recording the error.
			return { emitted: null, error: error as Error };
		} finally {
			this.running.delete(running);
		}
		return { emitted: this.emissions[before.emissions] ?? null, error: this.errors[before.errors] };
	}

	/** durable: one poll as the activator (testingTrigger) or the scheduler's task handler runs it. */
	private async durablePoll(workflow: Workflow, testingTrigger: boolean): Promise<PollOutcome> {
		if (this.saved.cursor === null) this.saved.cursor = JSON.stringify(workflow.getStaticData('node', this.node));
		const staged = { snapshot: JSON.parse(this.saved.cursor) as IDataObject, seed: this.saved.cursor };
		const takeStagedCursor = (): string | null => {
			const cursor = JSON.stringify(staged.snapshot);
			if (cursor === staged.seed) return null;
			staged.seed = cursor;
			return cursor;
		};
		let emitted: INodeExecutionData[] | null = null;
		const budgetMs = this.options.pollBudgetMs ?? 36_000;
		const pollFunctions = new PollContext(
			workflow,
			this.node,
			this.engine.additionalData(undefined, undefined),
			'trigger',
			testingTrigger ? 'activate' : 'update',
			(data) => {
				const cursor = takeStagedCursor();
				if (cursor !== null) this.saved.cursor = cursor;
				emitted = this.emit(workflow, data);
			},
			(error) => this.errors.push(error),
			async () => {
				const cursor = takeStagedCursor();
				if (cursor !== null) this.saved.cursor = cursor;
			},
			async (poll) => await poll(),
			() => staged.snapshot,
			testingTrigger ? undefined : () => budgetMs,
		);
		const poll = Container.get(TriggersAndPollers).runPollFunction(workflow, this.node, pollFunctions as unknown as IPollFunctions);
		this.running.add(poll);
		void poll.then(
			() => this.running.delete(poll),
			() => this.running.delete(poll),
		);
		if (testingTrigger) {
			let response: INodeExecutionData[][] | null;
			try {
				response = await poll;
			} catch (error) {
				return { emitted: null, error: error as Error };
			}
			if (response !== null) pollFunctions.__emit(response);
			return { emitted };
		}
		const abandoned = Symbol('abandoned');
		const timeout = new AbortController();
		const deadline = sleep(this.options.pollTimeoutMs ?? 45_000, timeout.signal).then(
			(): typeof abandoned => abandoned,
			(): typeof abandoned => abandoned,
		);
		try {
			const response = await Promise.race([poll, deadline]);
			if (response === abandoned) return { emitted: null, abandoned: true };
			if (response !== null) pollFunctions.__emit(response);
			else await pollFunctions.__commitCursor?.();
			return { emitted };
		} catch (error) {
			pollFunctions.__emitError(error as Error);
			return { emitted: null, error: error as Error };
		} finally {
			timeout.abort();
		}
	}

	/** An emission: n8n saves the workflow's static data and starts an execution with the items. */
	private emit(workflow: Workflow, data: INodeExecutionData[][]): INodeExecutionData[] {
		this.saveStaticData(workflow);
		const items = data[0] ?? [];
		this.emissions.push(items);
		return items;
	}

	private saveStaticData(workflow: Workflow): void {
		const staticData = workflow.staticData as ObservableStaticData;
		if (staticData.__dataChanged !== true) return;
		this.saved.staticData = JSON.stringify(staticData);
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
