/** Public types of the Agora Chat REST emulator (see server.ts). */

/** Names of the emulated REST calls, used in the request log and to target faults. */
export type Operation =
	| 'getAnnouncement'
	| 'updateAnnouncement'
	| 'listFiles'
	| 'uploadFile'
	| 'downloadFile'
	| 'deleteFile'
	| 'deleteGroup'
	| 'listGroups'
	| 'token';

export const OPERATIONS: readonly Operation[] = [
	'getAnnouncement',
	'updateAnnouncement',
	'listFiles',
	'uploadFile',
	'downloadFile',
	'deleteFile',
	'deleteGroup',
	'listGroups',
	'token',
];

/**
 * Which download headers the emulator sends, so tests can exercise a client's fallbacks.
 * `none` also replaces the stored type with `application/octet-stream`.
 */
export type DownloadHeaderMode = 'full' | 'filenameOnly' | 'filenameStarOnly' | 'none';

export interface StaticAppToken {
	token: string;
	/** ms since the epoch, compared with the emulator clock; never expires when omitted. */
	expiresAt?: number;
}

export interface EmulatorConfig {
	org: string;
	app: string;
	/** Opaque tokens accepted as app tokens. */
	appTokens: StaticAppToken[];
	/** With appCertificate (32 hex characters each): accept Agora AccessToken2 chat app tokens. */
	appId?: string;
	appCertificate?: string;
	/** Credentials of the Easemob-style `POST /{org}/{app}/token` endpoint. */
	clientId: string;
	clientSecret: string;
	/** Lifetime of tokens from the token endpoint when the request has no `ttl`. */
	issuedTokenTtlSeconds: number;
	/** Requests per second per app key; 0 turns the limit off. */
	rateLimitPerSecond: number;
	/** How the limit counts: a sliding one-second `window` (default) or a `tokenBucket` of that many, refilled per second. */
	rateLimitMode: RateLimitMode;
	downloadHeaders: DownloadHeaderMode;
	/** Largest accepted upload: 10 MiB, the larger reading of the documented "10 MB". */
	maxUploadBytes: number;
	/** A group holds at most this many shared files (uploads beyond answer 403); 0 = no limit. */
	maxFilesPerGroup: number;
	/** Shared files disappear this long after upload (7 days by default); 0 = kept forever. */
	fileRetentionMs: number;
	/** Agora caps any AccessToken2 at 24 hours, whatever expire it was built with. */
	appTokenMaxLifetimeSeconds: number;
	/** Base URL written into `uri` and `file_url`; defaults to the listening URL. */
	publicUrl?: string;
	/** A broken service: the list endpoint ignores `pagenum` and always sends the first page. */
	listIgnoresPageNumber: boolean;
	/** Downloads are gzip-compressed when the request accepts gzip (as a gateway in front may do). */
	compressDownloads: boolean;
}

/** See test/emulator/rate-limit.ts. */
export type RateLimitMode = 'window' | 'tokenBucket';

export interface EmulatorStartOptions extends Partial<EmulatorConfig> {
	/** 0 (the default) picks a free port. */
	port?: number;
	/** Defaults to 127.0.0.1. */
	host?: string;
}

export interface RecordedMultipart {
	fieldName: string;
	fileName: string;
	contentType: string;
	/** Bytes received in the file part, also when it was refused as too large. */
	size: number;
}

export interface RecordedRequest {
	/** `unknown` for paths that match no emulated route. */
	operation: Operation | 'unknown';
	method: string;
	/** Path as received, still percent-encoded, without the query. */
	rawPath: string;
	/** Path with each segment percent-decoded once. */
	path: string;
	groupId?: string;
	fileId?: string;
	/** First value of each query parameter. */
	query: Record<string, string>;
	/** Lower-case header names; repeated headers joined with ", ". */
	headers: Record<string, string>;
	bodyBytes: number;
	multipart?: RecordedMultipart;
	/** 0 while in progress and for requests answered by destroying the socket. */
	status: number;
	/** Real time (ms since the epoch), not the offset emulator clock. */
	receivedAt: number;
	/** When the answer's headers were sent (real time); absent while in progress or when the socket was destroyed. */
	answeredAt?: number;
}

export interface StoredFile {
	fileId: string;
	fileName: string;
	fileSize: number;
	contentType: string;
	owner: string;
	/** Upload time in ms on the emulator clock. */
	created: number;
	bytes: Buffer;
}

export interface NewFile {
	fileName: string;
	bytes: Buffer;
	contentType?: string;
	owner?: string;
	/** Defaults to the emulator clock's now. */
	created?: number;
	/** Defaults to a fresh UUID; tests set one to play a service that lists a hostile id. */
	fileId?: string;
}

export interface SeedOptions {
	/** Size of each seeded file; defaults to a short distinct text. */
	sizeBytes?: number;
	owner?: string;
}

interface FaultTarget {
	/** Matches every operation when omitted. */
	operation?: Operation;
	/** How many matching requests the fault applies to; default 1. */
	times?: number;
	/** Matching requests to let through before the fault applies (default 0), e.g. 1 to hit a second page. */
	skip?: number;
}

/** Answer with this status and an Agora error body (or the given raw body). */
export interface StatusFault extends FaultTarget {
	type: 'status';
	status: number;
	/** Agora `error` code; derived from the status when omitted. */
	error?: string;
	description?: string;
	headers?: Record<string, string>;
	/** Raw body instead of the error JSON, e.g. an HTML gateway page or '' for an empty body. */
	body?: string;
	/** Content-Type of `body`; guessed (text/html or text/plain) when omitted. */
	contentType?: string;
	/**
	 * `afterHandling` performs the operation first (a gateway error after the service stored
	 * an upload); the default `beforeHandling` answers without acting.
	 */
	phase?: 'beforeHandling' | 'afterHandling';
}

/**
 * Destroy the connection without answering. `afterHandling` performs the operation first
 * (an upload is stored, an announcement changed): the client cannot know it succeeded.
 */
export interface ResetFault extends FaultTarget {
	type: 'reset';
	phase?: 'beforeHandling' | 'afterHandling';
}

/** Wait, then answer normally. */
export interface DelayFault extends FaultTarget {
	type: 'delay';
	ms: number;
}

/** Send the headers with the full Content-Length but only half the body, then close. */
export interface TruncateFault extends FaultTarget {
	type: 'truncate';
}

export type Fault = StatusFault | ResetFault | DelayFault | TruncateFault;

export interface FileSummary {
	fileId: string;
	fileName: string;
	fileSize: number;
	contentType: string;
	owner: string;
	created: number;
	sha256: string;
}

/** What a group is created with besides its id (the group list shows these). */
export interface NewGroup {
	announcement?: string;
	/** Defaults to the group id. */
	groupName?: string;
	/** User id of the owner; defaults to "admin". */
	owner?: string;
	/** Number of members, owner included (`affiliations` in the group list); defaults to 1. */
	members?: number;
}

export interface GroupSnapshot {
	groupId: string;
	groupName: string;
	owner: string;
	announcement: string;
	/** Newest first, as the list endpoint orders them; expired files left out. */
	files: FileSummary[];
}

/** What `GET /_emulator/state` returns. */
export interface EmulatorState {
	url: string;
	config: EmulatorConfig;
	clockOffsetMs: number;
	now: number;
	pendingFaults: number;
	issuedTokens: number;
	groups: GroupSnapshot[];
}
