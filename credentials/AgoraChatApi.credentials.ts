import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { AGORA_APP_URL_EXPRESSION, parseAgoraApp } from '../agora/appUrl';
import { bearerToken, clientCredentialsToken, DEFAULT_TOKEN_TTL_SECONDS } from '../agora/bearerToken';
import { DEFAULT_REQUESTS_PER_SECOND } from '../agora/requestBudget';
import { DEFAULT_TOKEN_SOURCE, tokenSourceOf } from '../agora/tokenSource';

/*
 * Names fixed by the product spec. Declared as constants because n8n's lint takes any field
 * named "token…" for a secret, and a password field would be redacted by n8n when the
 * credential is reopened: the selector would lose its value and hide the fields it shows.
 */
const TOKEN_SOURCE = 'tokenSource';
const TOKEN_TTL_SECONDS = 'tokenTtlSeconds';

const showFor = (tokenSource: string) => ({ show: { [TOKEN_SOURCE]: [tokenSource] } });

export class AgoraChatApi implements ICredentialType {
	name = 'agoraChatApi';

	displayName = 'Agora Chat API';

	icon: Icon = { light: 'file:../icons/agoraChat.svg', dark: 'file:../icons/agoraChat.dark.svg' };

	documentationUrl = 'https://github.com/agora-chat-n8n/n8n-nodes-agora-chat#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. a41.chat.agora.io',
			description:
				'The REST API domain of your project: Agora Console > Project Management > Config > Chat > Basic Information (Easemob: e.g. a1.easemob.com). A value without http:// or https:// uses https.',
		},
		{
			displayName: 'Org Name',
			name: 'orgName',
			type: 'string',
			default: '',
			description:
				'The part of the App Key before "#" (Agora Console > Project Management > Config > Chat > Basic Information). Leave Org Name and App Name empty to address the app by its App ID (app-id/{App ID}, Token Source App ID + App Certificate).',
		},
		{
			displayName: 'App Name',
			name: 'appName',
			type: 'string',
			default: '',
			description: 'The part of the App Key after "#". Leave empty together with Org Name to address the app by its App ID.',
		},
		{
			displayName: 'Token Source',
			name: TOKEN_SOURCE,
			type: 'options',
			default: DEFAULT_TOKEN_SOURCE,
			options: [
				{
					name: 'App ID + App Certificate (Recommended)',
					value: 'appCertificate',
					description: 'The node makes a fresh app token for every run: scheduled workflows keep working',
				},
				{
					name: 'App Token',
					value: 'appToken',
					description: 'A token you paste; Agora tokens expire within 24 hours',
				},
				{
					name: 'Client ID + Client Secret (Easemob)',
					value: 'clientCredentials',
					description: 'Easemob apps: the node fetches a token and fetches a new one when it expires',
				},
			],
		},
		{
			displayName: 'App Token',
			name: 'appToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: showFor('appToken'),
			description:
				'An app token (starts with 007). It expires within 24 hours, so a workflow on a schedule stops working the next day: for schedules choose App ID + App Certificate instead.',
		},
		{
			displayName: 'App ID',
			name: 'appId',
			type: 'string',
			default: '',
			displayOptions: showFor('appCertificate'),
			description:
				'32 hexadecimal characters: Agora Console > Project Management > your project > App ID. With Org Name and App Name empty, the node addresses the app as app-id/{App ID}.',
		},
		{
			displayName: 'App Certificate',
			name: 'appCertificate',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: showFor('appCertificate'),
			description: '32 hexadecimal characters: Agora Console > Project Management > Config > Primary Certificate',
		},
		{
			displayName: 'Token Lifetime (Seconds)',
			name: TOKEN_TTL_SECONDS,
			type: 'number',
			typeOptions: { minValue: 60, maxValue: 86400 },
			default: DEFAULT_TOKEN_TTL_SECONDS,
			displayOptions: showFor('appCertificate'),
			description: 'How long each token the node makes stays valid (at most 24 hours)',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			displayOptions: showFor('clientCredentials'),
			description: 'Easemob console > Application Info > Client ID',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: showFor('clientCredentials'),
			description: 'Easemob console > Application Info > ClientSecret',
		},
		{
			displayName: 'Requests per Second',
			name: 'requestsPerSecond',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_REQUESTS_PER_SECOND,
			description:
				'The most calls the node sends for this app within any one second (Agora Chat accepts 100 per App Key). It slows down when the service answers "reach limit" (several queue-mode workers or other systems sharing the app) and speeds back up to this number while calls succeed. Set it lower to leave room for other systems. 0 turns pacing off.',
		},
		{
			// Filled by preAuthentication while empty; a token the service refuses is renewed by the node.
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/**
	 * n8n calls this for every request while the stored token is empty: all of them share one
	 * token request per credential and process. A token the service refuses later is renewed
	 * by the node (see nodes/ChatGroup/shared/sendAndJudge.ts), also once per process.
	 */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		if (tokenSourceOf(credentials) !== 'clientCredentials') return {};
		return { accessToken: await clientCredentialsToken(this.helpers, credentials) };
	}

	/** Refuses a credential that cannot be right (host with a path, empty names) before anything is sent. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		parseAgoraApp(credentials);
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, Authorization: `Bearer ${bearerToken(credentials)}` },
		};
	}

	/**
	 * One page of the app's groups: only the Agora Chat service answers it with its envelope
	 * (`action`, `data`). The service's own refusals are named first; any other answer (a wrong
	 * Host serving a 404 page, another service's JSON) has no envelope and fails naming Host.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: AGORA_APP_URL_EXPRESSION,
			url: '/chatgroups',
			qs: { limit: 1 },
			method: 'GET',
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 'organization_application_not_found',
					message:
						'Org Name or App Name is wrong (or, with both left empty, the App ID): the service has no such app. Copy them from the Agora Console (the App Key is "{org name}#{app name}"), and check that Host is this project\'s data center.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 'auth_bad_access_token',
					message:
						'The service refused the token. Check the App Token / App Certificate, and that Host is your project\'s own REST API domain: another data center refuses the token this way.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 'unauthorized',
					message: 'The token has expired or is not valid for this app. App tokens live at most 24 hours: use App ID + App Certificate.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 'reach_limit',
					message: 'The app is over its 100 requests per second right now (429 reach_limit). Test again in a moment.',
				},
			},
			...['action', 'data'].map((key) => ({
				type: 'responseSuccessBody' as const,
				properties: {
					key,
					value: undefined,
					message:
						'Host did not answer as the Agora Chat REST API. Check Host: it must be your project\'s REST API domain from the Agora Console (Project Management > Config > Chat > Basic Information), e.g. a41.chat.agora.io, without a path.',
				},
			})),
		],
	};
}
