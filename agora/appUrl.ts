/** Where an Agora Chat app lives: `https://{host}/{org}/{app}`, from the credential's fields. */

export class AgoraCredentialInputError extends Error {
	constructor(
		message: string,
		readonly field: string,
	) {
		super(message);
		this.name = 'AgoraCredentialInputError';
	}
}

/**
 * Accepts what the Agora console shows ("a41.chat.agora.io") or an origin
 * ("https://a41.chat.agora.io", "http://127.0.0.1:4100"); anything with a path,
 * query, credentials or spaces is refused rather than guessed at.
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
	const isPlainOrigin =
		url !== undefined &&
		(url.protocol === 'https:' || url.protocol === 'http:') &&
		!/\s/.test(raw) &&
		url.username === '' &&
		url.password === '' &&
		url.pathname === '/' &&
		url.search === '' &&
		url.hash === '' &&
		!withScheme.slice(url.protocol.length + 2).includes('/');
	if (!url || !isPlainOrigin) {
		throw new AgoraCredentialInputError(
			`The Host "${raw}" is not a plain host name. Enter only the REST API domain from the Agora Console, e.g. a41.chat.agora.io (no path such as /org/app, no query).`,
			'host',
		);
	}
	return url.origin;
}

function requireName(value: unknown, label: string, field: string): string {
	const name = typeof value === 'string' ? value.trim() : '';
	if (!name) {
		throw new AgoraCredentialInputError(
			`The ${label} is empty. Copy it from the Agora Console (Project Management > Config > Chat > Data Center: the App Key is "{org name}#{app name}").`,
			field,
		);
	}
	return name;
}

export interface AgoraAppLocation {
	origin: string;
	orgName: string;
	appName: string;
}

export function parseAgoraApp(credentials: {
	host?: unknown;
	orgName?: unknown;
	appName?: unknown;
}): AgoraAppLocation {
	return {
		origin: parseAgoraOrigin(credentials.host),
		orgName: requireName(credentials.orgName, 'Org Name', 'orgName'),
		appName: requireName(credentials.appName, 'App Name', 'appName'),
	};
}

export function agoraAppUrl(app: AgoraAppLocation): string {
	return `${app.origin}/${encodeURIComponent(app.orgName)}/${encodeURIComponent(app.appName)}`;
}

/**
 * The same URL as `agoraAppUrl`, as an n8n expression for declarative `baseURL`s (the node's
 * `requestDefaults` and the credential test). A test keeps the two in step.
 */
export const AGORA_APP_URL_EXPRESSION =
	"={{ (/^[a-z][a-z0-9+.-]*:\\/\\//i.test(String($credentials.host).trim()) ? '' : 'https://') + String($credentials.host).trim().replace(/\\/+$/, '') + '/' + encodeURIComponent(String($credentials.orgName).trim()) + '/' + encodeURIComponent(String($credentials.appName).trim()) }}";
