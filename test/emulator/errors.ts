/**
 * Errors the way Agora Chat / Easemob sends them:
 * `{"error","exception","timestamp","duration":0,"error_description"}` with a matching status.
 */

export interface AgoraErrorBody {
	error: string;
	exception: string;
	timestamp: number;
	duration: 0;
	error_description: string;
}

/** Thrown anywhere in request handling; the server turns it into the error JSON. */
export class AgoraError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly description: string,
		readonly headers: Record<string, string> = {},
	) {
		super(`${status} ${error}: ${description}`);
		this.name = 'AgoraError';
	}
}

// The Java class names the service puts in `exception`; clients never rely on them.
const EXCEPTIONS: Record<string, string> = {
	illegal_argument: 'java.lang.IllegalArgumentException',
	json_parse: 'com.fasterxml.jackson.core.JsonParseException',
	unauthorized: 'EasemobSecurityException',
	auth_bad_access_token: 'EasemobSecurityException',
	invalid_grant: 'EasemobSecurityException',
	unsupported_grant_type: 'EasemobSecurityException',
	forbidden_op: 'EasemobForbiddenOpException',
	exceed_limit: 'EasemobForbiddenOpException',
	organization_application_not_found: 'EasemobOrganizationApplicationNotFoundException',
	service_resource_not_found: 'EasemobServiceResourceNotFoundException',
	storage_object_not_found: 'EasemobStorageObjectNotFoundException',
	file_expired: 'EasemobStorageObjectNotFoundException',
	file_too_large: 'org.springframework.web.multipart.MaxUploadSizeExceededException',
	unsupported_media_type: 'org.springframework.web.HttpMediaTypeNotSupportedException',
	reach_limit: 'EasemobRateLimitException',
	resource_limited: 'EasemobResourceLimitedException',
};

export function errorBody(error: string, description: string, timestamp: number): AgoraErrorBody {
	return {
		error,
		exception: EXCEPTIONS[error] ?? 'EasemobServiceException',
		timestamp,
		duration: 0,
		error_description: description,
	};
}

/** `error` code used when a status fault or an unexpected failure names none. */
export function defaultErrorCode(status: number): string {
	switch (status) {
		case 400:
			return 'illegal_argument';
		case 401:
			return 'unauthorized';
		case 403:
			return 'forbidden_op';
		case 404:
			return 'service_resource_not_found';
		case 413:
			return 'file_too_large';
		case 415:
			return 'unsupported_media_type';
		case 429:
			return 'reach_limit';
		case 502:
			return 'bad_gateway';
		case 503:
			return 'service_unavailable';
		case 504:
			return 'gateway_timeout';
		default:
			return status >= 500 ? 'internal_server_error' : 'illegal_argument';
	}
}

/** Every error the emulator produces on its own, in one place. */
export const agoraErrors = {
	applicationNotFound: (org: string, app: string) =>
		new AgoraError(
			404,
			'organization_application_not_found',
			`Could not find application for ${org}/${app} from path`,
		),
	appIdNotFound: (appId: string) =>
		new AgoraError(404, 'organization_application_not_found', `Could not find application for app-id ${appId} from path`),
	groupCursorInvalid: (cursor: string) => new AgoraError(400, 'illegal_argument', `cursor ${cursor} is invalid`),
	corruptToken: () =>
		new AgoraError(401, 'auth_bad_access_token', 'Unable to authenticate due to corrupt access token'),
	expiredToken: () => new AgoraError(401, 'unauthorized', 'Unable to authenticate (OAuth)'),
	rateLimited: () => new AgoraError(429, 'reach_limit', 'This request has reached api limit.'),
	groupNotFound: (groupId: string) =>
		new AgoraError(404, 'service_resource_not_found', `grpID ${groupId} does not exist!`),
	fileNotFound: (fileId: string) =>
		new AgoraError(404, 'storage_object_not_found', `share file ${fileId} does not exist!`),
	fileExpired: (fileId: string) => new AgoraError(404, 'file_expired', `share file ${fileId} has expired!`),
	announcementTooLong: () => new AgoraError(403, 'forbidden_op', 'announce info length exceeds limit!'),
	announcementMissing: () => new AgoraError(400, 'illegal_argument', 'announcement is null'),
	announcementNotText: () => new AgoraError(400, 'illegal_argument', 'announcement must be a string'),
	bodyMissing: () => new AgoraError(400, 'json_parse', 'Required request body is missing'),
	bodyNotJson: (reason: string) => new AgoraError(400, 'json_parse', `Request body is not valid JSON: ${reason}`),
	bodyTooLarge: (limit: number) =>
		new AgoraError(413, 'file_too_large', `Request body exceeds the limit of ${limit} bytes`),
	notMultipart: () => new AgoraError(400, 'illegal_argument', 'Current request is not a multipart request'),
	malformedMultipart: (reason: string) =>
		new AgoraError(400, 'illegal_argument', `Failed to parse multipart servlet request: ${reason}`),
	filePartMissing: () => new AgoraError(400, 'illegal_argument', "Required request part 'file' is not present"),
	fileTooLarge: () => new AgoraError(413, 'file_too_large', 'file exceeding maximum limit'),
	tooManyFiles: (limit: number) =>
		new AgoraError(403, 'exceed_limit', `group share files exceed limit! A group holds at most ${limit} files.`),
	grantTypeUnsupported: () =>
		new AgoraError(400, 'unsupported_grant_type', 'grant_type must be client_credentials'),
	clientCredentialsMissing: () =>
		new AgoraError(400, 'illegal_argument', 'client_id and client_secret are required'),
	clientCredentialsInvalid: () =>
		new AgoraError(401, 'invalid_grant', 'client_id or client_secret is invalid'),
	ttlInvalid: () => new AgoraError(400, 'illegal_argument', 'ttl must be a non-negative integer number of seconds'),
	routeNotFound: (method: string, path: string) =>
		new AgoraError(404, 'service_resource_not_found', `Service resource not found: ${method} ${path}`),
	badUrl: (path: string) => new AgoraError(400, 'illegal_argument', `Malformed request path: ${path}`),
	invalidAdminRequest: (reason: string) => new AgoraError(400, 'illegal_argument', reason),
};
