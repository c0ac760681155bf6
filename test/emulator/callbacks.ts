/**
 * The service's callbacks (webhooks) for group events, as /work/shared/docs/agora-chat-api.md
 * describes them: rules registered "in the console" (here: the admin API), a signed JSON POST
 * per event and rule, in the current (`group_op_event`) or the older (`muc`) format; any 200
 * (body at most 1,000 characters) is success, anything else is retried once at once and then
 * dropped; 90 failures within 30 s suspend the rule (5, 10, 15, 20, then 25 minutes).
 */
import { createHash, randomUUID } from 'crypto';

/** `current`: `"event": "group_op_event"`; `legacy`: `"chat_type": "muc"` (still on Agora's pages). */
export type CallbackFormat = 'current' | 'legacy';

/** The group events REST calls cause (the rule's event filter names them). */
export type GroupEventKind = 'updateAnnouncement' | 'deleteAnnouncement' | 'uploadFile' | 'deleteFile';

export const GROUP_EVENT_KINDS: readonly GroupEventKind[] = ['updateAnnouncement', 'deleteAnnouncement', 'uploadFile', 'deleteFile'];

export interface CallbackRuleInput {
	url: string;
	secret: string;
	format?: CallbackFormat;
	/** Only these events; all when omitted or empty. */
	events?: GroupEventKind[];
	/** How the older format writes `upload_file`'s reason: an escaped JSON string (Agora's page) or an object (Easemob's). */
	legacyReason?: 'string' | 'object';
}

export interface CallbackRule extends Required<Omit<CallbackRuleInput, 'events'>> {
	id: string;
	events: GroupEventKind[];
	suspendedUntil: number;
	suspensions: number;
	failureTimes: number[];
}

export interface CallbackFileInfo {
	file_id: string;
	file_name: string;
	file_owner: string;
	file_size: number;
	created: number;
}

export interface GroupEvent {
	kind: GroupEventKind;
	groupId: string;
	/** User ID, or `@ppAdmin` for REST calls made with an app token. */
	operator: string;
	announcement?: string;
	file?: CallbackFileInfo;
	/** The deleted file's ID. */
	fileId?: string;
}

export interface DeliveryAttempt {
	status: number;
	ms: number;
	/** Characters of the answer's body; more than 1,000 counts as a failure. */
	bodyLength: number;
	error?: string;
}

export interface CallbackDelivery {
	ruleId?: string;
	url: string;
	callId: string;
	kind: GroupEventKind | 'custom';
	groupId?: string;
	/** When the event happened (real ms), and when the delivery ended. */
	occurredAt: number;
	finishedAt: number;
	attempts: DeliveryAttempt[];
	delivered: boolean;
	/** Not sent: the rule was suspended. */
	suspended?: boolean;
	body: string;
}

/** What the control endpoint posts: an event in a rule's format, or any JSON body; fields override. */
export interface CallbackSendRequest {
	ruleId?: string;
	/** Without a rule: where, in which format, signed with which secret. */
	url?: string;
	secret?: string;
	format?: CallbackFormat;
	legacyReason?: 'string' | 'object';
	event?: GroupEvent;
	/** Any JSON object (a message callback, a future sub-event): signed over its callId and timestamp. */
	body?: Record<string, unknown>;
	callId?: string;
	timestamp?: number;
	/** Sent as `security` instead of the right signature (a bad signature). */
	security?: string;
	/** Leave these top-level fields out (a malformed callback). */
	omit?: string[];
	/** Retry once on a failure, as the service does (default true). */
	retry?: boolean;
	/** The admin API answers at once when false (the delivery goes on; see idle and deliveries). Default true. */
	wait?: boolean;
}

const MAX_BODY_CHARACTERS = 1000;
const TIMEOUT_MS = 10_000;
const MAX_DELIVERIES_KEPT = 20_000;
const SUSPEND_AFTER_FAILURES = 90;
const FAILURE_WINDOW_MS = 30_000;
const SUSPENSION_MINUTES = [5, 10, 15, 20, 25];

export function callbackSecurity(callId: string, secret: string, timestamp: number | string): string {
	return createHash('md5').update(`${callId}${secret}${timestamp}`, 'utf8').digest('hex');
}

let messageCount = 0;

/** Digits like the service's message ids, unique within the process. */
function messageId(): string {
	messageCount = (messageCount + 1) % 100_000;
	return `${Date.now()}${String(messageCount).padStart(5, '0')}`;
}

function currentPayload(event: GroupEvent): { operation: string; payload: Record<string, unknown> } {
	switch (event.kind) {
		case 'updateAnnouncement':
			return { operation: 'UPDATE', payload: { type: 'ANNOUNCEMENT', announcement: event.announcement ?? '' } };
		case 'deleteAnnouncement':
			return { operation: 'UPDATE', payload: { type: 'ANNOUNCEMENT' } };
		case 'uploadFile':
			return { operation: 'SHARE_FILE', payload: { type: 'ADD', share_file: [event.file?.file_id] } };
		case 'deleteFile':
			return { operation: 'SHARE_FILE', payload: { type: 'REMOVE', share_file: [event.fileId] } };
	}
}

function legacyOperation(event: GroupEvent, legacyReason: 'string' | 'object'): { operation: string; reason: unknown } {
	switch (event.kind) {
		case 'updateAnnouncement':
			return { operation: 'update_announcement', reason: event.announcement ?? '' };
		case 'deleteAnnouncement':
			return { operation: 'delete_announcement', reason: '' };
		case 'uploadFile': {
			const reason = { data: event.file };
			return { operation: 'upload_file', reason: legacyReason === 'object' ? reason : JSON.stringify(reason) };
		}
		case 'deleteFile':
			return { operation: 'delete_file', reason: event.fileId ?? '' };
	}
}

/** The documented JSON of one event, signed; the key order follows the documentation's examples. */
export function callbackBody(
	event: GroupEvent,
	options: { appKey: string; secret: string; format: CallbackFormat; legacyReason?: 'string' | 'object'; callId?: string; timestamp: number; security?: string },
): Record<string, unknown> {
	const { appKey, secret, format, timestamp } = options;
	if (format === 'current') {
		const callId = options.callId ?? `${appKey}_${randomUUID()}`;
		const { operation, payload } = currentPayload(event);
		return {
			callId,
			security: options.security ?? callbackSecurity(callId, secret, timestamp),
			appkey: appKey,
			id: event.groupId,
			type: 'GROUP',
			event: 'group_op_event',
			operation,
			operator: event.operator,
			timestamp,
			payload,
		};
	}
	const msgId = messageId();
	const callId = options.callId ?? `${appKey}_${msgId}`;
	const { operation, reason } = legacyOperation(event, options.legacyReason ?? 'string');
	return {
		chat_type: 'muc',
		callId,
		security: options.security ?? callbackSecurity(callId, secret, timestamp),
		payload: {
			muc_id: `${appKey}_${event.groupId}@conference.easemob.com`,
			reason,
			is_chatroom: false,
			operation,
			status: { description: '', error_code: 'ok' },
		},
		group_id: event.groupId,
		host: 'msync@ebs-ali-beijing-msync40',
		from: event.operator,
		to: event.groupId,
		eventType: 'chat',
		msg_id: msgId,
		timestamp,
	};
}

export class CallbackDispatcher {
	readonly deliveries: CallbackDelivery[] = [];

	private readonly rules: CallbackRule[] = [];
	private readonly pending = new Set<Promise<unknown>>();
	private nextRuleId = 1;

	/** `appKey` and `now` (the emulator's clock) are read at each event. */
	constructor(
		private readonly appKey: () => string,
		private readonly now: () => number,
	) {}

	addRule(input: CallbackRuleInput): CallbackRule {
		if (typeof input.url !== 'string' || !/^https?:\/\//.test(input.url)) throw new Error('"url" must be an http(s) URL');
		if (typeof input.secret !== 'string' || input.secret === '') throw new Error('"secret" must be a non-empty string');
		const format = input.format ?? 'current';
		if (format !== 'current' && format !== 'legacy') throw new Error('"format" must be "current" or "legacy"');
		const events = input.events ?? [];
		if (!Array.isArray(events) || events.some((kind) => !GROUP_EVENT_KINDS.includes(kind))) {
			throw new Error(`"events" must list some of ${GROUP_EVENT_KINDS.join(', ')}`);
		}
		const legacyReason = input.legacyReason ?? 'string';
		if (legacyReason !== 'string' && legacyReason !== 'object') throw new Error('"legacyReason" must be "string" or "object"');
		const rule: CallbackRule = {
			id: `rule-${this.nextRuleId++}`,
			url: input.url,
			secret: input.secret,
			format,
			events: [...events],
			legacyReason,
			suspendedUntil: 0,
			suspensions: 0,
			failureTimes: [],
		};
		this.rules.push(rule);
		return rule;
	}

	listRules(): CallbackRule[] {
		return this.rules.map((rule) => ({ ...rule, events: [...rule.events], failureTimes: [...rule.failureTimes] }));
	}

	clearRules(): void {
		this.rules.length = 0;
	}

	clearDeliveries(): void {
		this.deliveries.length = 0;
	}

	reset(): void {
		this.clearRules();
		this.clearDeliveries();
		this.nextRuleId = 1;
	}

	/** Resolves when every delivery started so far has ended. */
	async idle(): Promise<void> {
		while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
	}

	/** An event the REST API caused: one callback per matching rule, sent in the background. */
	groupEvent(event: GroupEvent): void {
		const occurredAt = Date.now();
		for (const rule of this.rules) {
			if (rule.events.length > 0 && !rule.events.includes(event.kind)) continue;
			const body = callbackBody(event, { appKey: this.appKey(), secret: rule.secret, format: rule.format, legacyReason: rule.legacyReason, timestamp: this.now() });
			this.track(this.deliver({ rule, url: rule.url, body, kind: event.kind, groupId: event.groupId, occurredAt, retry: true }));
		}
	}

	/** The control endpoint: posts one callback as told, and resolves with what happened. */
	async send(request: CallbackSendRequest): Promise<CallbackDelivery> {
		return await this.start(request).delivery;
	}

	/** The same, without waiting: refuses a wrong request at once, resolves with the callId while the delivery goes on. */
	post(request: CallbackSendRequest): { queued: true; callId: string } {
		const { callId, delivery } = this.start(request);
		void delivery.catch(() => undefined);
		return { queued: true, callId };
	}

	/** Builds the callback (throws at once for a wrong request) and starts its delivery. */
	private start(request: CallbackSendRequest): { callId: string; delivery: Promise<CallbackDelivery> } {
		const rule = request.ruleId !== undefined ? this.rules.find((candidate) => candidate.id === request.ruleId) : request.url ? undefined : this.rules[0];
		if (request.ruleId !== undefined && !rule) throw new Error(`No callback rule ${request.ruleId}`);
		const url = request.url ?? rule?.url;
		const secret = request.secret ?? rule?.secret;
		if (!url || secret === undefined) throw new Error('Name a rule (ruleId), or give url and secret');
		const timestamp = request.timestamp ?? this.now();
		let body: Record<string, unknown>;
		let kind: CallbackDelivery['kind'] = 'custom';
		if (request.event) {
			kind = request.event.kind;
			body = callbackBody(request.event, {
				appKey: this.appKey(),
				secret,
				format: request.format ?? rule?.format ?? 'current',
				legacyReason: request.legacyReason ?? rule?.legacyReason,
				callId: request.callId,
				timestamp,
				security: request.security,
			});
		} else if (request.body && typeof request.body === 'object') {
			const callId = request.callId ?? String(request.body.callId ?? `${this.appKey()}_${randomUUID()}`);
			const stamp = request.timestamp ?? (request.body.timestamp as number | undefined) ?? timestamp;
			body = { ...request.body, callId, timestamp: stamp, security: request.security ?? callbackSecurity(callId, secret, stamp as number) };
		} else {
			throw new Error('Give an "event" or a "body"');
		}
		for (const field of request.omit ?? []) delete body[field];
		const groupId = request.event?.groupId;
		const delivery = this.deliver({ rule, url, body, kind, groupId, occurredAt: Date.now(), retry: request.retry ?? true, countFailures: false });
		this.track(delivery);
		return { callId: String(body.callId ?? ''), delivery };
	}

	private track(promise: Promise<unknown>): void {
		this.pending.add(promise);
		void promise.finally(() => this.pending.delete(promise));
	}

	/** One POST, waiting at most TIMEOUT_MS for the whole answer (fetch: no idle-socket timeout of its own). */
	private async attempt(url: string, payload: string): Promise<DeliveryAttempt> {
		const started = Date.now();
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: payload,
				redirect: 'manual',
				signal: AbortSignal.timeout(TIMEOUT_MS),
			});
			const bodyLength = (await response.text()).length;
			const error = bodyLength > MAX_BODY_CHARACTERS ? `answer body over ${MAX_BODY_CHARACTERS} characters` : undefined;
			return { status: response.status, ms: Date.now() - started, bodyLength, ...(error ? { error } : {}) };
		} catch (error) {
			return { status: 0, ms: Date.now() - started, bodyLength: 0, error: (error as Error).message };
		}
	}

	private async deliver(options: {
		rule?: CallbackRule;
		url: string;
		body: Record<string, unknown>;
		kind: CallbackDelivery['kind'];
		groupId?: string;
		occurredAt: number;
		retry: boolean;
		countFailures?: boolean;
	}): Promise<CallbackDelivery> {
		const { rule, url, body, kind, groupId, occurredAt } = options;
		const payload = JSON.stringify(body);
		const delivery: CallbackDelivery = {
			...(rule ? { ruleId: rule.id } : {}),
			url,
			callId: String(body.callId ?? ''),
			kind,
			...(groupId !== undefined ? { groupId } : {}),
			occurredAt,
			finishedAt: occurredAt,
			attempts: [],
			delivered: false,
			body: payload,
		};
		this.record(delivery);
		if (rule && options.countFailures !== false && rule.suspendedUntil > this.now()) {
			delivery.suspended = true;
			return delivery;
		}
		for (let attempt = 1; attempt <= (options.retry ? 2 : 1); attempt++) {
			const result = await this.attempt(url, payload);
			delivery.attempts.push(result);
			if (result.status === 200 && !result.error) {
				delivery.delivered = true;
				break;
			}
			if (rule && options.countFailures !== false) this.countFailure(rule);
		}
		delivery.finishedAt = Date.now();
		return delivery;
	}

	private countFailure(rule: CallbackRule): void {
		const now = this.now();
		rule.failureTimes = [...rule.failureTimes.filter((time) => time > now - FAILURE_WINDOW_MS), now];
		if (rule.failureTimes.length >= SUSPEND_AFTER_FAILURES) {
			const minutes = SUSPENSION_MINUTES[Math.min(rule.suspensions, SUSPENSION_MINUTES.length - 1)];
			rule.suspendedUntil = now + minutes * 60_000;
			rule.suspensions++;
			rule.failureTimes = [];
		}
	}

	private record(delivery: CallbackDelivery): void {
		this.deliveries.push(delivery);
		if (this.deliveries.length > MAX_DELIVERIES_KEPT) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES_KEPT);
	}
}

/** The control API under `/_emulator/callbacks/…` (see server.ts registerAdminRoutes). */
export function callbackAdminRoutes(dispatcher: CallbackDispatcher): Array<{
	method: 'GET' | 'POST' | 'DELETE';
	path: string;
	action: (body: Record<string, unknown>) => unknown;
}> {
	return [
		{ method: 'POST', path: 'callbacks/rules', action: (body) => dispatcher.addRule(body as unknown as CallbackRuleInput) },
		{ method: 'GET', path: 'callbacks/rules', action: () => dispatcher.listRules() },
		{ method: 'DELETE', path: 'callbacks/rules', action: () => dispatcher.clearRules() },
		{ method: 'GET', path: 'callbacks/deliveries', action: () => dispatcher.deliveries },
		{ method: 'DELETE', path: 'callbacks/deliveries', action: () => dispatcher.clearDeliveries() },
		{ method: 'POST', path: 'callbacks/idle', action: async () => await dispatcher.idle() },
		{
			method: 'POST',
			path: 'callbacks/send',
			action: async (body) => {
				const request = body as unknown as CallbackSendRequest;
				return request.wait === false ? dispatcher.post(request) : await dispatcher.send(request);
			},
		},
	];
}
