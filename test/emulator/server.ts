/**
 * A local emulator of the Agora Chat (Easemob) REST API for group announcements and group
 * shared files, faithful to /work/shared/docs/agora-chat-api.md: same paths, envelope, error
 * JSON, limits and auth. Tests drive it in process through this class; out-of-process runs
 * use the admin API under /_emulator/ (see registerAdminRoutes) and cli.ts.
 */
import { createHash } from 'crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sleep } from 'n8n-workflow';

import { defaultConfig, validateConfigPatch } from './config';
import { CallbackDispatcher, callbackAdminRoutes } from './callbacks';
import { attachmentDisposition } from './content-disposition';
import { AgoraError, agoraErrors, defaultErrorCode, errorBody } from './errors';
import { FaultQueue, validateFault } from './faults';
import { readMultipartUpload } from './multipart';
import { RateLimiters } from './rate-limit';
import { gzip as gzipSync } from '../support/node';
import { ClientAbortedError, parseJsonBody, readRequestBody } from './request-body';
import { APP_ADMIN_OWNER, DEFAULT_FILE_TYPE, GroupStore, publicFile, type GroupRecord } from './store';
import { IssuedTokenStore, bearerTokenOf, verifyBearerToken } from './tokens';
import type {
	EmulatorConfig,
	EmulatorStartOptions,
	EmulatorState,
	Fault,
	FileSummary,
	NewFile,
	NewGroup,
	Operation,
	RecordedRequest,
	SeedOptions,
	StoredFile,
} from './types';

export * from './types';
export { AgoraError } from './errors';
export { DEFAULT_APP, DEFAULT_APP_TOKEN, DEFAULT_ORG } from './config';

const ANNOUNCEMENT_MAX_LENGTH = 512;
const LIST_PAGE_SIZE_MAX = 1000;
/** `GET /chatgroups?limit=`: [1, 100], 10 when absent or invalid, larger values give 100. */
const GROUP_LIST_LIMIT_DEFAULT = 10;
const GROUP_LIST_LIMIT_MAX = 100;
/** Agora's current reference addresses an app as `/app-id/{app_id}` in place of `/{org}/{app}`. */
const APP_ID_SEGMENT = 'app-id';
const API_JSON_BODY_LIMIT = 1024 * 1024;
// Admin uploads carry files as base64: 10 MiB grows to about 14 MiB.
const ADMIN_JSON_BODY_LIMIT = 64 * 1024 * 1024;
const ADMIN_PREFIX = '/_emulator';

const CHATGROUP_PATH = '/:org/:app/chatgroups/:groupId';
const API_ROUTES: ReadonlyArray<{ method: 'GET' | 'POST' | 'DELETE'; url: string; operation: Operation }> = [
	{ method: 'GET', url: `${CHATGROUP_PATH}/announcement`, operation: 'getAnnouncement' },
	{ method: 'POST', url: `${CHATGROUP_PATH}/announcement`, operation: 'updateAnnouncement' },
	{ method: 'GET', url: `${CHATGROUP_PATH}/share_files`, operation: 'listFiles' },
	{ method: 'POST', url: `${CHATGROUP_PATH}/share_files`, operation: 'uploadFile' },
	{ method: 'GET', url: `${CHATGROUP_PATH}/share_files/:fileId`, operation: 'downloadFile' },
	{ method: 'DELETE', url: `${CHATGROUP_PATH}/share_files/:fileId`, operation: 'deleteFile' },
	// The service's group delete; assumed to match with a trailing slash too (many Java web stacks do).
	{ method: 'DELETE', url: CHATGROUP_PATH, operation: 'deleteGroup' },
	{ method: 'DELETE', url: `${CHATGROUP_PATH}/`, operation: 'deleteGroup' },
	{ method: 'GET', url: '/:org/:app/chatgroups', operation: 'listGroups' },
	{ method: 'POST', url: '/:org/:app/token', operation: 'token' },
];

interface PathParams {
	org: string;
	app: string;
	groupId?: string;
	fileId?: string;
}

/** One API request while it is handled. */
interface ApiCall {
	request: FastifyRequest;
	operation: Operation;
	params: PathParams;
	rawPath: string;
	record: RecordedRequest;
	/** Whether the body has been read to its end (else it is drained before answering). */
	bodyConsumed: boolean;
}

/** A complete answer, ready to send whole, truncated, or not at all. */
interface ResponsePlan {
	status: number;
	headers: Record<string, string>;
	payload: Buffer;
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ResponsePlan {
	return {
		status,
		headers: { ...headers, 'content-type': 'application/json' },
		payload: Buffer.from(JSON.stringify(body), 'utf8'),
	};
}

/** The operation of the matched route, so even requests refused before their handler are named. */
function operationOfRoute(request: FastifyRequest): Operation | undefined {
	const { method, url } = request.routeOptions;
	return API_ROUTES.find((route) => route.method === method && route.url === url)?.operation;
}

function splitUrl(url: string): { rawPath: string; search: string } {
	const queryStart = url.indexOf('?');
	return queryStart < 0
		? { rawPath: url, search: '' }
		: { rawPath: url.slice(0, queryStart), search: url.slice(queryStart + 1) };
}

function decodeSegmentOnce(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

function headerRecord(headers: FastifyRequest['headers']): Record<string, string> {
	const record: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined) record[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return record;
}

/** A stable UUID per app, like the service's internal `application` id. */
function applicationUuid(org: string, app: string): string {
	const hex = createHash('sha256').update(`${org}#${app}`).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** pagesize 1..1000 (default 1000, larger → 1000, invalid → default); pagenum from 1 (invalid → 1). */
function pageOf(query: URLSearchParams): { pageNumber: number; pageSize: number } {
	const asPositiveInteger = (value: string | null) =>
		value !== null && /^\s*\d+\s*$/.test(value) && Number(value) >= 1 ? Number(value) : undefined;
	const pageSize = Math.min(asPositiveInteger(query.get('pagesize')) ?? LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_MAX);
	const pageNumber = asPositiveInteger(query.get('pagenum')) ?? 1;
	return { pageNumber, pageSize };
}

/** The list call echoes its query as arrays of strings: {"pagesize":["10"],"pagenum":["1"]}. */
function echoedParams(query: URLSearchParams): Record<string, string[]> {
	const params: Record<string, string[]> = {};
	for (const [name, value] of query) (params[name] ??= []).push(value);
	return params;
}

/** The group list's cursor: opaque to clients, the offset of the next page here. */
function encodeGroupCursor(offset: number): string {
	return Buffer.from(`emulator:group:${offset}`, 'utf8').toString('base64url');
}

function decodeGroupCursor(cursor: string): number | undefined {
	const match = /^emulator:group:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
	return match ? Number(match[1]) : undefined;
}

function statusFaultResponse(fault: Extract<Fault, { type: 'status' }>, timestamp: number): ResponsePlan {
	if (fault.body === undefined) {
		const error = fault.error ?? defaultErrorCode(fault.status);
		const description = fault.description ?? `Injected ${fault.status} fault`;
		return jsonResponse(fault.status, errorBody(error, description, timestamp), fault.headers);
	}
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(fault.headers ?? {})) headers[name.toLowerCase()] = value;
	const guessedType = fault.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
	const contentType = fault.contentType ?? headers['content-type'] ?? (fault.body === '' ? undefined : guessedType);
	if (contentType) headers['content-type'] = contentType;
	return { status: fault.status, headers, payload: Buffer.from(fault.body, 'utf8') };
}

export class AgoraChatEmulator {
	/** Every API request, in arrival order (admin calls are not logged). */
	readonly requests: RecordedRequest[] = [];

	/** Callback rules and what was delivered (the service's webhooks for group events). */
	readonly callbacks = new CallbackDispatcher(
		() => `${this.currentConfig.org}#${this.currentConfig.app}`,
		() => this.now(),
	);

	private currentConfig: EmulatorConfig;
	private clockOffsetMs = 0;
	private listeningUrl = '';
	private readonly store = new GroupStore();
	private readonly faults = new FaultQueue();
	private readonly issuedTokens = new IssuedTokenStore();
	private readonly rateLimiter = new RateLimiters();
	private readonly recordByRequest = new WeakMap<FastifyRequest, RecordedRequest>();
	private readonly server: FastifyInstance;

	private constructor(config: EmulatorConfig) {
		this.currentConfig = config;
		this.server = this.buildServer();
	}

	/** Starts an emulator on 127.0.0.1 and a free port unless told otherwise. */
	static async start(options: EmulatorStartOptions = {}): Promise<AgoraChatEmulator> {
		const { port = 0, host = '127.0.0.1', ...configOptions } = options;
		const emulator = new AgoraChatEmulator({ ...defaultConfig(), ...validateConfigPatch(configOptions) });
		await emulator.server.listen({ port, host });
		const address = emulator.server.server.address();
		const boundPort = typeof address === 'object' && address ? address.port : port;
		emulator.listeningUrl = `http://${AgoraChatEmulator.reachableHost(host)}:${boundPort}`;
		return emulator;
	}

	private static reachableHost(host: string): string {
		if (host === '0.0.0.0' || host === '') return '127.0.0.1';
		if (host === '::') return '[::1]';
		return host.includes(':') ? `[${host}]` : host;
	}

	/** The listening URL, e.g. http://127.0.0.1:39811. */
	get url(): string {
		return this.listeningUrl;
	}

	get config(): Readonly<EmulatorConfig> {
		return this.currentConfig;
	}

	/** Base of `uri` and `file_url` in answers. */
	private get publicBase(): string {
		return this.currentConfig.publicUrl ?? this.listeningUrl;
	}

	async stop(): Promise<void> {
		await this.server.close();
	}

	// ---- clock, config, faults, log ------------------------------------------------------

	/** The emulator's now: real time plus whatever advanceClock added. */
	now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	configure(patch: Partial<EmulatorConfig>): void {
		this.currentConfig = { ...this.currentConfig, ...validateConfigPatch(patch) };
	}

	injectFault(fault: Fault): void {
		this.faults.add(validateFault(fault));
	}

	clearFaults(): void {
		this.faults.clear();
	}

	clearRequests(): void {
		this.requests.length = 0;
	}

	/** Every token from the token endpoint now answers 401 unauthorized (expired). */
	expireIssuedTokens(): void {
		this.issuedTokens.expireAll();
	}

	/** Clears groups, files, log, faults, issued tokens, rate windows and clock offset; keeps config. */
	reset(): void {
		this.store.clear();
		this.clearRequests();
		this.faults.clear();
		this.issuedTokens.clear();
		this.rateLimiter.clear();
		this.clockOffsetMs = 0;
		this.callbacks.reset();
	}

	// ---- state helpers -------------------------------------------------------------------

	/** Creates the group (idempotent); sets name, owner, members and announcement when given. */
	createGroup(groupId: string, options: NewGroup = {}): void {
		this.store.createGroup(groupId, options, this.now());
	}

	/** Adds `count` groups `${prefix}-00001`… named "Seed group 00001"…, in that order. */
	seedGroups(count: number, prefix = 'seed-group'): void {
		const digits = Math.max(5, String(count).length);
		for (let index = 1; index <= count; index++) {
			const number = String(index).padStart(digits, '0');
			this.createGroup(`${prefix}-${number}`, { groupName: `Seed group ${number}` });
		}
	}

	getAnnouncement(groupId: string): string {
		return this.requireGroup(groupId).announcement;
	}

	/** Sets the announcement directly, without the 512-character check of the API. */
	setAnnouncement(groupId: string, text: string): void {
		this.requireGroup(groupId).announcement = text;
	}

	/** The group's files as the list endpoint would return them: newest first, expired ones left out. */
	listFiles(groupId: string): StoredFile[] {
		return this.activeFiles(this.requireGroup(groupId)).map(publicFile);
	}

	addFile(groupId: string, file: NewFile): StoredFile {
		const group = this.requireGroup(groupId);
		return publicFile(this.store.addFile(group, { ...file, created: file.created ?? this.now() }));
	}

	/** Adds `count` small files quickly (distinct names and contents, oldest first). */
	seedFiles(groupId: string, count: number, options: SeedOptions = {}): StoredFile[] {
		const group = this.requireGroup(groupId);
		const digits = Math.max(5, String(count).length);
		const firstCreated = this.now() - count;
		const seeded: StoredFile[] = [];
		for (let index = 1; index <= count; index++) {
			const number = String(index).padStart(digits, '0');
			const text = `seed file ${number}\n`;
			const bytes =
				options.sizeBytes === undefined ? Buffer.from(text) : Buffer.alloc(options.sizeBytes, text);
			const stored = this.store.addFile(group, {
				fileName: `seed-${number}.txt`,
				bytes,
				contentType: 'text/plain',
				owner: options.owner,
				created: firstCreated + index,
			});
			seeded.push(publicFile(stored));
		}
		return seeded;
	}

	/** What GET /_emulator/state returns: groups with files and their sha256, not their bytes. */
	state(): EmulatorState {
		return {
			url: this.listeningUrl,
			config: { ...this.currentConfig, appTokens: this.currentConfig.appTokens.map((token) => ({ ...token })) },
			clockOffsetMs: this.clockOffsetMs,
			now: this.now(),
			pendingFaults: this.faults.size,
			issuedTokens: this.issuedTokens.size,
			groups: this.store.allGroups().map((group) => ({
				groupId: group.groupId,
				groupName: group.groupName,
				owner: group.owner,
				announcement: group.announcement,
				files: this.activeFiles(group).map((file) => this.summaryOf(file)),
			})),
		};
	}

	private summaryOf(file: StoredFile): FileSummary {
		const { fileId, fileName, fileSize, contentType, owner, created } = file;
		return { fileId, fileName, fileSize, contentType, owner, created, sha256: this.store.sha256Of(file) };
	}

	private requireGroup(groupId: string): GroupRecord {
		const group = this.store.find(groupId);
		if (!group) throw agoraErrors.groupNotFound(groupId);
		return group;
	}

	private isExpired(file: StoredFile): boolean {
		const retention = this.currentConfig.fileRetentionMs;
		return retention > 0 && file.created + retention <= this.now();
	}

	private activeFiles(group: GroupRecord): StoredFile[] {
		return this.store.filesNewestFirst(group, (file) => this.isExpired(file));
	}

	// ---- HTTP plumbing -------------------------------------------------------------------

	private buildServer(): FastifyInstance {
		const server = Fastify({
			logger: false,
			// Bodies are read by the handlers themselves (see request-body.ts); this only bounds fastify.
			bodyLimit: 64 * 1024 * 1024,
			exposeHeadRoutes: false,
			forceCloseConnections: true,
			return503OnClosing: false,
			routerOptions: { maxParamLength: 4096 },
			frameworkErrors: (error, request, reply) => this.answerFrameworkError(error, request, reply),
			clientErrorHandler: (error, socket) => {
				const body = JSON.stringify(errorBody('illegal_argument', `Malformed HTTP request: ${error.message}`, this.now()));
				if (socket.writable) {
					socket.end(
						`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
					);
				} else {
					socket.destroy(error);
				}
			},
		});

		// Leave every body unread for the handlers, so that no fastify error shape ever leaks out.
		server.removeAllContentTypeParsers();
		server.addContentTypeParser('*', (_request, _payload, done) => done(null));

		server.addHook('onRequest', async (request) => {
			if (!this.isAdminPath(request.raw.url ?? '')) this.recordOf(request, operationOfRoute(request));
		});
		server.addHook('onSend', async (request, reply, payload) => {
			const record = this.recordByRequest.get(request);
			if (record) {
				record.status = reply.statusCode;
				record.answeredAt = Date.now();
			}
			return payload;
		});

		server.setErrorHandler(async (error: FastifyError, request, reply) => {
			const response =
				error instanceof AgoraError
					? this.errorResponse(error)
					: this.errorResponse(
							new AgoraError(
								error.statusCode ?? 500,
								defaultErrorCode(error.statusCode ?? 500),
								error.message || 'Internal error of the emulator',
							),
						);
			await this.drainBody(request);
			this.sendPlan(reply, response);
		});

		server.setNotFoundHandler(async (request, reply) => {
			await this.drainBody(request);
			const { rawPath } = splitUrl(request.raw.url ?? '/');
			this.sendPlan(reply, this.errorResponse(agoraErrors.routeNotFound(request.method, rawPath)));
		});

		for (const route of API_ROUTES) {
			server.route({
				method: route.method,
				url: route.url,
				handler: async (request, reply) => await this.handleApiCall(request, reply, route.operation),
			});
		}
		this.registerAdminRoutes(server);
		return server;
	}

	private isAdminPath(url: string): boolean {
		return url === ADMIN_PREFIX || url.startsWith(`${ADMIN_PREFIX}/`) || url.startsWith(`${ADMIN_PREFIX}?`);
	}

	/** The log entry of a request, created on first use. */
	private recordOf(request: FastifyRequest, operation?: Operation): RecordedRequest {
		let record = this.recordByRequest.get(request);
		if (!record) {
			const { rawPath, search } = splitUrl(request.raw.url ?? '/');
			const params = (request.params ?? {}) as Partial<PathParams>;
			const query = new URLSearchParams(search);
			const firstValues: Record<string, string> = {};
			for (const [name, value] of query) if (!(name in firstValues)) firstValues[name] = value;
			record = {
				operation: operation ?? 'unknown',
				method: request.method,
				rawPath,
				path: rawPath.split('/').map(decodeSegmentOnce).join('/'),
				...(params.groupId !== undefined ? { groupId: params.groupId } : {}),
				...(params.fileId !== undefined ? { fileId: params.fileId } : {}),
				query: firstValues,
				headers: headerRecord(request.headers),
				bodyBytes: 0,
				status: 0,
				receivedAt: Date.now(),
			};
			this.recordByRequest.set(request, record);
			this.requests.push(record);
		}
		if (operation) record.operation = operation;
		return record;
	}

	private answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
		const { rawPath } = splitUrl(request.raw.url ?? '/');
		const agoraError =
			error.code === 'FST_ERR_BAD_URL'
				? agoraErrors.badUrl(rawPath)
				: new AgoraError(error.statusCode ?? 400, defaultErrorCode(error.statusCode ?? 400), error.message);
		const record = this.isAdminPath(rawPath) ? undefined : this.recordOf(request);
		const response = this.errorResponse(agoraError);
		if (record) record.status = response.status;
		this.sendPlan(reply, response);
	}

	private errorResponse(error: AgoraError): ResponsePlan {
		return jsonResponse(error.status, errorBody(error.error, error.description, this.now()), error.headers);
	}

	private sendPlan(reply: FastifyReply, plan: ResponsePlan): void {
		void reply.code(plan.status).headers(plan.headers).send(plan.payload);
	}

	/** Reads what is left of a body, so an early answer never races the client's upload. */
	private async drainBody(request: FastifyRequest): Promise<void> {
		const { size } = await readRequestBody(request.raw, 0);
		const record = this.recordByRequest.get(request);
		if (record) record.bodyBytes += size;
	}

	private destroyConnection(call: ApiCall, reply: FastifyReply): void {
		reply.hijack();
		call.record.status = 0;
		call.request.raw.socket.destroy();
	}

	/** Headers with the full Content-Length, half the body, then the connection closes. */
	private sendTruncated(call: ApiCall, reply: FastifyReply, plan: ResponsePlan): void {
		reply.hijack();
		call.record.status = plan.status;
		const response = reply.raw;
		response.writeHead(plan.status, { ...plan.headers, 'content-length': String(plan.payload.length) });
		response.write(plan.payload.subarray(0, Math.floor(plan.payload.length / 2)), () => response.destroy());
	}

	// ---- the API -------------------------------------------------------------------------

	private async handleApiCall(request: FastifyRequest, reply: FastifyReply, operation: Operation): Promise<void> {
		const { rawPath } = splitUrl(request.raw.url ?? '/');
		const call: ApiCall = {
			request,
			operation,
			params: request.params as PathParams,
			rawPath,
			record: this.recordOf(request, operation),
			bodyConsumed: false,
		};
		const fault = this.faults.take(operation);
		try {
			if (fault?.type === 'reset' && (fault.phase ?? 'beforeHandling') === 'beforeHandling') {
				this.destroyConnection(call, reply);
				return;
			}
			let plan: ResponsePlan;
			if (fault?.type === 'status' && fault.phase === 'afterHandling') {
				// The service acted; the client sees only the gateway's error.
				await this.perform(call).catch(() => undefined);
				plan = statusFaultResponse(fault, this.now());
			} else if (fault?.type === 'status') {
				plan = statusFaultResponse(fault, this.now());
			} else {
				if (fault?.type === 'delay') await sleep(fault.ms);
				plan = await this.perform(call).catch((error: unknown) => {
					if (error instanceof AgoraError) return this.errorResponse(error);
					throw error;
				});
			}
			if (!call.bodyConsumed) await this.drainBody(request);
			if (fault?.type === 'reset') {
				this.destroyConnection(call, reply);
			} else if (fault?.type === 'truncate') {
				this.sendTruncated(call, reply, plan);
			} else {
				this.sendPlan(reply, plan);
			}
		} catch (error) {
			if (error instanceof ClientAbortedError) {
				// The client went away mid-body: nobody is left to answer.
				this.destroyConnection(call, reply);
			} else {
				const description = `Emulator failure: ${(error as Error).message}`;
				this.sendPlan(reply, this.errorResponse(new AgoraError(500, 'internal_server_error', description)));
			}
		}
	}

	/** Rate limit, application, auth, group, then the operation itself. Throws AgoraError. */
	private async perform(call: ApiCall): Promise<ResponsePlan> {
		const config = this.currentConfig;
		const addressedApp = this.addressedApp(call.params);
		// Before auth: the service counts every call to an App Key (whichever form addresses it),
		// and a limiter in front of auth is what a gateway does. Refused calls are not counted.
		if (!this.rateLimiter.tryAcquire(config.rateLimitMode, addressedApp.key, config.rateLimitPerSecond, Date.now())) {
			throw agoraErrors.rateLimited();
		}
		if (!addressedApp.known) throw addressedApp.notFound;
		if (call.operation === 'token') return await this.issueToken(call);

		this.authenticate(call.request);
		if (call.operation === 'listGroups') return this.listGroupsPage(call);
		const groupId = call.params.groupId ?? '';
		const group = this.store.find(groupId);
		if (!group) throw agoraErrors.groupNotFound(groupId);

		switch (call.operation) {
			case 'getAnnouncement':
				return this.envelope(call, { announcement: group.announcement });
			case 'updateAnnouncement':
				return await this.updateAnnouncement(call, group);
			case 'listFiles':
				return this.listFilesPage(call, group);
			case 'uploadFile':
				return await this.uploadFile(call, group);
			case 'downloadFile':
				return this.downloadFile(this.requireFile(group, call.params.fileId ?? ''), call.request.headers['accept-encoding']);
			case 'deleteFile': {
				const file = this.requireFile(group, call.params.fileId ?? '');
				this.store.removeFile(group, file.fileId);
				this.callbacks.groupEvent({ kind: 'deleteFile', groupId: group.groupId, operator: APP_ADMIN_OWNER, fileId: file.fileId });
				return this.envelope(call, { group_id: group.groupId, file_id: file.fileId, result: true });
			}
			case 'deleteGroup':
				this.store.removeGroup(group.groupId);
				return this.envelope(call, { success: true, groupid: group.groupId });
		}
	}

	/**
	 * Which app a path names: `/{org}/{app}` or `/app-id/{app_id}` (the App ID the emulator is
	 * configured with, any letter case). The token endpoint exists only in the org/app form.
	 */
	private addressedApp(params: PathParams): { key: string; known: boolean; notFound: AgoraError } {
		const { org, app } = params;
		const config = this.currentConfig;
		const appKey = `${config.org}#${config.app}`;
		if (org === APP_ID_SEGMENT) {
			const known = config.appId !== undefined && app.toLowerCase() === config.appId.toLowerCase();
			return { key: known ? appKey : `${org}/${app}`, known, notFound: agoraErrors.appIdNotFound(app) };
		}
		const known = org === config.org && app === config.app;
		return { key: `${org}#${app}`, known, notFound: agoraErrors.applicationNotFound(org, app) };
	}

	/**
	 * `GET /chatgroups?limit=&cursor=`: the app's groups in creation order, `limit` at a time;
	 * `cursor` (present only while more groups follow) asks for the next page.
	 */
	private listGroupsPage(call: ApiCall): ResponsePlan {
		const query = new URLSearchParams(splitUrl(call.request.raw.url ?? '').search);
		const rawLimit = query.get('limit');
		const limit =
			rawLimit !== null && /^\s*\d+\s*$/.test(rawLimit) && Number(rawLimit) >= 1
				? Math.min(Number(rawLimit), GROUP_LIST_LIMIT_MAX)
				: GROUP_LIST_LIMIT_DEFAULT;
		const cursor = query.get('cursor');
		const offset = cursor === null || cursor === '' ? 0 : decodeGroupCursor(cursor);
		if (offset === undefined) throw agoraErrors.groupCursorInvalid(cursor ?? '');
		const groups = this.store.allGroups();
		const page = groups.slice(offset, offset + limit);
		const { org, app } = this.currentConfig;
		const data = page.map((group) => ({
			owner: `${org}#${app}_${group.owner}`,
			groupid: group.groupId,
			affiliations: group.members,
			type: 'group',
			last_modified: String(group.lastModified),
			groupname: group.groupName,
		}));
		const next = offset + page.length < groups.length ? { cursor: encodeGroupCursor(offset + page.length) } : {};
		return this.envelope(call, data, { params: echoedParams(query), ...next, count: data.length });
	}

	private authenticate(request: FastifyRequest): void {
		const token = bearerTokenOf(request.headers.authorization);
		const verdict = token ? verifyBearerToken(token, this.currentConfig, this.issuedTokens, this.now()) : 'invalid';
		if (verdict === 'expired') throw agoraErrors.expiredToken();
		if (verdict !== 'valid') throw agoraErrors.corruptToken();
	}

	private envelope(call: ApiCall, data: unknown, extra: Record<string, unknown> = {}): ResponsePlan {
		const { org, app } = this.currentConfig;
		return jsonResponse(200, {
			action: call.request.method.toLowerCase(),
			application: applicationUuid(org, app),
			...extra,
			uri: `${this.publicBase}${call.rawPath}`,
			entities: [],
			data,
			timestamp: this.now(),
			duration: 0,
			organization: org,
			applicationName: app,
		});
	}

	private async readJson(call: ApiCall, limit: number): Promise<unknown> {
		const { bytes, size, aborted } = await readRequestBody(call.request.raw, limit + 1);
		call.bodyConsumed = true;
		call.record.bodyBytes += size;
		if (aborted) throw new ClientAbortedError();
		if (size > limit) throw agoraErrors.bodyTooLarge(limit);
		try {
			return parseJsonBody(bytes);
		} catch (error) {
			throw agoraErrors.bodyNotJson((error as Error).message);
		}
	}

	private async updateAnnouncement(call: ApiCall, group: GroupRecord): Promise<ResponsePlan> {
		const body = await this.readJson(call, API_JSON_BODY_LIMIT);
		if (body === undefined) throw agoraErrors.bodyMissing();
		const announcement = (body as { announcement?: unknown } | null)?.announcement;
		if (announcement === undefined || announcement === null) throw agoraErrors.announcementMissing();
		if (typeof announcement !== 'string') throw agoraErrors.announcementNotText();
		// UTF-16 code units, as the Java service counts String.length().
		if (announcement.length > ANNOUNCEMENT_MAX_LENGTH) throw agoraErrors.announcementTooLong();
		group.announcement = announcement;
		group.lastModified = this.now();
		// Setting it empty is how the REST API deletes it.
		const kind = announcement === '' ? 'deleteAnnouncement' : 'updateAnnouncement';
		this.callbacks.groupEvent({ kind, groupId: group.groupId, operator: APP_ADMIN_OWNER, announcement });
		return this.envelope(call, { id: group.groupId, result: true });
	}

	private listFilesPage(call: ApiCall, group: GroupRecord): ResponsePlan {
		const query = new URLSearchParams(splitUrl(call.request.raw.url ?? '').search);
		const { pageNumber, pageSize } = pageOf(query);
		const start = this.currentConfig.listIgnoresPageNumber ? 0 : (pageNumber - 1) * pageSize;
		const page = this.activeFiles(group)
			.slice(start, start + pageSize)
			.map((file) => ({
				file_id: file.fileId,
				file_name: file.fileName,
				file_owner: file.owner,
				file_size: file.fileSize,
				created: file.created,
			}));
		return this.envelope(call, page, { params: echoedParams(query) });
	}

	private async uploadFile(call: ApiCall, group: GroupRecord): Promise<ResponsePlan> {
		const config = this.currentConfig;
		const upload = await readMultipartUpload(call.request.raw, config.maxUploadBytes);
		call.record.bodyBytes += upload.bodyBytes;
		if (upload.outcome !== 'parsed') {
			throw upload.outcome === 'notMultipart'
				? agoraErrors.notMultipart()
				: agoraErrors.malformedMultipart(upload.reason);
		}
		call.bodyConsumed = true;

		const part = upload.file;
		if (!part) throw agoraErrors.filePartMissing();
		call.record.multipart = {
			fieldName: part.fieldName,
			fileName: part.fileName,
			contentType: part.contentType,
			size: part.size,
		};
		if (!part.bytes) throw agoraErrors.fileTooLarge();
		if (config.maxFilesPerGroup > 0 && this.activeFiles(group).length >= config.maxFilesPerGroup) {
			throw agoraErrors.tooManyFiles(config.maxFilesPerGroup);
		}

		const stored = this.store.addFile(group, {
			fileName: part.fileName,
			bytes: part.bytes,
			contentType: part.contentType,
			// Every token the emulator accepts is an app token.
			owner: APP_ADMIN_OWNER,
			created: this.now(),
		});
		const file = { file_id: stored.fileId, file_name: stored.fileName, file_owner: stored.owner, file_size: stored.fileSize, created: stored.created };
		this.callbacks.groupEvent({ kind: 'uploadFile', groupId: group.groupId, operator: APP_ADMIN_OWNER, file });
		return this.envelope(call, {
			file_url: `${this.fileUrlBase(call, group.groupId)}/${stored.fileId}`,
			group_id: group.groupId,
			file_name: stored.fileName,
			created: stored.created,
			file_id: stored.fileId,
			file_size: stored.fileSize,
		});
	}

	/** In the address form the upload came in: `/{org}/{app}` or `/app-id/{app_id}`. */
	private fileUrlBase(call: ApiCall, groupId: string): string {
		const { org, app } = call.params;
		return `${this.publicBase}/${encodeURIComponent(org)}/${encodeURIComponent(app)}/chatgroups/${encodeURIComponent(groupId)}/share_files`;
	}

	private requireFile(group: GroupRecord, fileId: string): StoredFile {
		const file = group.files.get(fileId);
		if (!file) throw agoraErrors.fileNotFound(fileId);
		if (this.isExpired(file)) throw agoraErrors.fileExpired(fileId);
		return file;
	}

	/** The raw bytes, with the headers the downloadHeaders setting asks for. */
	private downloadFile(file: StoredFile, acceptEncoding: string | string[] | undefined): ResponsePlan {
		const mode = this.currentConfig.downloadHeaders;
		const gzip = this.currentConfig.compressDownloads && /\bgzip\b/i.test(String(acceptEncoding ?? ''));
		const payload = gzip ? gzipSync(file.bytes) : file.bytes;
		const headers: Record<string, string> = {
			'content-type': mode === 'none' ? DEFAULT_FILE_TYPE : file.contentType,
			'content-length': String(payload.length),
		};
		if (gzip) headers['content-encoding'] = 'gzip';
		const disposition = attachmentDisposition(file.fileName, mode);
		if (disposition) headers['content-disposition'] = disposition;
		return { status: 200, headers, payload };
	}

	/** Easemob's client-credentials grant; answers without the envelope, as the service does. */
	private async issueToken(call: ApiCall): Promise<ResponsePlan> {
		const body = await this.readJson(call, API_JSON_BODY_LIMIT);
		if (body === undefined) throw agoraErrors.bodyMissing();
		const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
		if (request.grant_type !== 'client_credentials') throw agoraErrors.grantTypeUnsupported();
		const { client_id: clientId, client_secret: clientSecret, ttl } = request;
		if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
			throw agoraErrors.clientCredentialsMissing();
		}
		const config = this.currentConfig;
		if (clientId !== config.clientId || clientSecret !== config.clientSecret) {
			throw agoraErrors.clientCredentialsInvalid();
		}
		if (ttl !== undefined && ttl !== null && !(Number.isInteger(ttl) && (ttl as number) >= 0)) {
			throw agoraErrors.ttlInvalid();
		}
		const ttlSeconds = typeof ttl === 'number' ? ttl : config.issuedTokenTtlSeconds;
		const issued = this.issuedTokens.issue(ttlSeconds, this.now());
		return jsonResponse(200, {
			access_token: issued.accessToken,
			expires_in: issued.expiresIn,
			application: applicationUuid(config.org, config.app),
		});
	}

	// ---- admin API -----------------------------------------------------------------------

	/**
	 * Unauthenticated, unlogged control of the emulator for out-of-process runs:
	 * GET state, POST reset, POST groups {groupId, announcement?, groupName?, owner?, members?},
	 * POST files {groupId, fileName, contentBase64, contentType?, owner?}, POST seed {groupId, count, sizeBytes?},
	 * POST faults (a Fault), DELETE faults, POST config (partial config), POST clock {advanceMs},
	 * POST tokens/expire, GET requests, DELETE requests; callbacks/… (callbacks.ts callbackAdminRoutes).
	 */
	private registerAdminRoutes(server: FastifyInstance): void {
		const admin = (method: 'GET' | 'POST' | 'DELETE', path: string, action: (body: Record<string, unknown>) => unknown | Promise<unknown>) => {
			server.route({
				method,
				url: `${ADMIN_PREFIX}/${path}`,
				handler: async (request, reply) => {
					let body: Record<string, unknown> = {};
					const { bytes, size } = await readRequestBody(request.raw, ADMIN_JSON_BODY_LIMIT + 1);
					let response: ResponsePlan;
					try {
						if (size > ADMIN_JSON_BODY_LIMIT) throw agoraErrors.bodyTooLarge(ADMIN_JSON_BODY_LIMIT);
						if (method === 'POST') {
							const parsed = parseJsonBody(bytes) ?? {};
							if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
								throw new Error('The body must be a JSON object');
							}
							body = parsed as Record<string, unknown>;
						}
						response = jsonResponse(200, (await action(body)) ?? { ok: true });
					} catch (error) {
						response = this.errorResponse(
							error instanceof AgoraError ? error : agoraErrors.invalidAdminRequest((error as Error).message),
						);
					}
					this.sendPlan(reply, response);
				},
			});
		};
		const text = (body: Record<string, unknown>, key: string, optional = false): string | undefined => {
			const value = body[key];
			if (value === undefined && optional) return undefined;
			if (typeof value !== 'string') throw new Error(`"${key}" must be a string`);
			return value;
		};
		const count = (body: Record<string, unknown>, key: string, optional = false): number | undefined => {
			const value = body[key];
			if (value === undefined && optional) return undefined;
			if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
				throw new Error(`"${key}" must be a non-negative integer`);
			}
			return value;
		};

		admin('GET', 'state', () => this.state());
		admin('POST', 'reset', () => {
			this.reset();
		});
		admin('POST', 'groups', (body) => {
			const groupId = text(body, 'groupId') as string;
			this.createGroup(groupId, {
				announcement: text(body, 'announcement', true),
				groupName: text(body, 'groupName', true),
				owner: text(body, 'owner', true),
				members: count(body, 'members', true),
			});
			return { groupId, announcement: this.getAnnouncement(groupId) };
		});
		admin('POST', 'files', (body) => {
			const contentBase64 = text(body, 'contentBase64') as string;
			const stored = this.addFile(text(body, 'groupId') as string, {
				fileName: text(body, 'fileName') as string,
				bytes: Buffer.from(contentBase64, 'base64'),
				contentType: text(body, 'contentType', true),
				owner: text(body, 'owner', true),
				created: typeof body.created === 'number' ? body.created : undefined,
			});
			return this.summaryOf(stored);
		});
		admin('POST', 'seed', (body) => {
			const groupId = text(body, 'groupId') as string;
			const seeded = this.seedFiles(groupId, count(body, 'count') as number, {
				sizeBytes: count(body, 'sizeBytes', true),
				owner: text(body, 'owner', true),
			});
			return { groupId, count: seeded.length };
		});
		admin('POST', 'faults', (body) => {
			this.injectFault(validateFault(body));
			return { pendingFaults: this.faults.size };
		});
		admin('DELETE', 'faults', () => {
			this.clearFaults();
		});
		admin('POST', 'config', (body) => {
			this.configure(validateConfigPatch(body));
			return this.state().config;
		});
		admin('POST', 'clock', (body) => {
			const advanceMs = body.advanceMs;
			if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs)) throw new Error('"advanceMs" must be a number');
			this.advanceClock(advanceMs);
			return { clockOffsetMs: this.clockOffsetMs, now: this.now() };
		});
		admin('POST', 'tokens/expire', () => {
			this.expireIssuedTokens();
		});
		for (const route of callbackAdminRoutes(this.callbacks)) admin(route.method, route.path, route.action);
		admin('GET', 'requests', () => this.requests);
		admin('DELETE', 'requests', () => {
			this.clearRequests();
		});
	}
}
