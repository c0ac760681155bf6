import { DEFAULT_TOKEN_SOURCE, tokenSourceOf } from './tokenSource';

/**
 * Where an Agora Chat app lives, from the credential's fields: `https://{host}/{org}/{app}`, or,
 * with Org Name and App Name left empty and an App ID (Token Source App ID + App Certificate),
 * `https://{host}/app-id/{app_id}`, the form of Agora's current REST reference.
 */

export class AgoraCredentialInputError extends Error {
	constructor(
		message: string,
		readonly field: string,
	) {
		super(message);
		this.name = 'AgoraCredentialInputError';
	}
}

const PLAIN_HOST_ADVICE = 'Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io';

/**
 * Accepts what the Agora console shows ("a41.chat.agora.io") or an origin
 * ("https://a41.chat.agora.io", "http://127.0.0.1:4100"); anything with a path,
 * query, credentials or spaces is refused rather than guessed at. A refusal never repeats
 * a user name, password, query or fragment: they may hold a secret.
 */
export function parseAgoraOrigin(host: unknown): string {
	const raw = typeof host === 'string' ? host.trim().replace(/\/+$/, '') : '';
	if (!raw) {
		throw new AgoraCredentialInputError(
			'The Host is empty. Enter the REST API domain from the Agora Console (Project Management > Config > Chat > Data Center), e.g. a41.chat.agora.io',
			'host',
		);
	}
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
	let url: URL | undefined;
	try {
		url = new URL(withScheme);
	} catch {
		url = undefined;
	}
	// Anything between "//" and "@" is a user name or password, also where the URL parser gives up.
	if ((url && (url.username !== '' || url.password !== '')) || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(withScheme)) {
		const shownHost = url?.host ? `…@${url.host}` : 'user name and password before an @';
		throw new AgoraCredentialInputError(
			`The Host contains a user name or password (${shownHost}). ${PLAIN_HOST_ADVICE}: the node authenticates with the Token Source, never with a password in the Host.`,
			'host',
		);
	}
	if (url && (url.search !== '' || url.hash !== '')) {
		throw new AgoraCredentialInputError(
			`The Host "${url.origin}" has a ${url.search !== '' ? 'query (?…)' : 'fragment (#…)'} after it. ${PLAIN_HOST_ADVICE} (no path such as /org/app, no query).`,
			'host',
		);
	}
	const isPlainOrigin =
		url !== undefined &&
		(url.protocol === 'https:' || url.protocol === 'http:') &&
		!/\s/.test(raw) &&
		url.pathname === '/' &&
		!withScheme.slice(url.protocol.length + 2).includes('/');
	if (!url || !isPlainOrigin) {
		throw new AgoraCredentialInputError(`The Host "${raw}" is not a plain host name. ${PLAIN_HOST_ADVICE} (no path such as /org/app, no query).`, 'host');
	}
	return url.origin;
}

function nameOf(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

const APP_KEY_HINT = 'Copy it from the Agora Console (Project Management > Config > Chat > Basic Information: the App Key is "{org name}#{app name}")';

export interface AgoraAppLocation {
	origin: string;
	/** Both set in the `{org}/{app}` form; both empty in the `app-id/{app_id}` form. */
	orgName: string;
	appName: string;
	/** Set in the `app-id/{app_id}` form only. */
	appId?: string;
}

/** The App ID form needs the App ID, which only Token Source App ID + App Certificate holds. */
function usesAppId(credentials: { tokenSource?: unknown }): boolean {
	return tokenSourceOf(credentials) === 'appCertificate';
}

export function parseAgoraApp(credentials: {
	host?: unknown;
	orgName?: unknown;
	appName?: unknown;
	tokenSource?: unknown;
	appId?: unknown;
}): AgoraAppLocation {
	const origin = parseAgoraOrigin(credentials.host);
	const orgName = nameOf(credentials.orgName);
	const appName = nameOf(credentials.appName);
	if (orgName && appName) return { origin, orgName, appName };
	if (!orgName && !appName) {
		const appId = nameOf(credentials.appId);
		if (usesAppId(credentials) && appId) return { origin, orgName, appName, appId };
		throw new AgoraCredentialInputError(
			usesAppId(credentials)
				? 'Org Name, App Name and App ID are empty. Enter the App ID (the node then addresses the app as app-id/{App ID}), or Org Name and App Name from the App Key in the Agora Console.'
				: `Org Name and App Name are empty. ${APP_KEY_HINT}; only Token Source App ID + App Certificate can address the app by its App ID instead.`,
			'orgName',
		);
	}
	const [label, field] = orgName ? ['App Name', 'appName'] : ['Org Name', 'orgName'];
	throw new AgoraCredentialInputError(
		`The ${label} is empty. ${APP_KEY_HINT}, or leave both Org Name and App Name empty to address the app by its App ID.`,
		field,
	);
}

export function agoraAppUrl(app: AgoraAppLocation): string {
	if (app.appId !== undefined) return `${app.origin}/app-id/${encodeURIComponent(app.appId)}`;
	return `${app.origin}/${encodeURIComponent(app.orgName)}/${encodeURIComponent(app.appName)}`;
}

/**
 * The same URL as `agoraAppUrl`, as an n8n expression for declarative `baseURL`s (the
 * credential test). A test keeps the two in step.
 */
const TOKEN_SOURCE_EXPRESSION = `(['appToken', 'appCertificate', 'clientCredentials'].indexOf(String($credentials.tokenSource)) < 0 ? '${DEFAULT_TOKEN_SOURCE}' : String($credentials.tokenSource))`;

export const AGORA_APP_URL_EXPRESSION = `={{ (/^[a-z][a-z0-9+.-]*:\\/\\//i.test(String($credentials.host).trim()) ? '' : 'https://') + String($credentials.host).trim().replace(/\\/+$/, '') + (String($credentials.orgName || '').trim() === '' && String($credentials.appName || '').trim() === '' && ${TOKEN_SOURCE_EXPRESSION} === 'appCertificate' ? '/app-id/' + encodeURIComponent(String($credentials.appId || '').trim()) : '/' + encodeURIComponent(String($credentials.orgName || '').trim()) + '/' + encodeURIComponent(String($credentials.appName || '').trim())) }}`;
