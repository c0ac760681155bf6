/** The app a credential points at: where requests go, how fast, and with which kind of token. */
import type { ICredentialDataDecryptedObject, IExecuteFunctions, IExecuteSingleFunctions, ILoadOptionsFunctions, IPollFunctions } from 'n8n-workflow';

import { agoraAppUrl, parseAgoraApp } from '../../../agora/appUrl';
import { clientCredentialsKey } from '../../../agora/bearerToken';
import { DEFAULT_REQUESTS_PER_SECOND } from '../../../agora/requestBudget';
import { tokenSourceOf } from '../../../agora/tokenSource';
import type { TokenSource } from '../../../agora/tokenSource';
import { describeFailure, toNodeError } from './errors';

export const CREDENTIAL_TYPE = 'agoraChatApi';

/** Every n8n context that can send a request with the node's credential. */
export type AgoraContext = IExecuteSingleFunctions | IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

/** An operation's item (declarative contexts), as opposed to a picker's or a poll's context. */
export function isItemContext(context: AgoraContext): context is IExecuteSingleFunctions {
	return typeof (context as IExecuteSingleFunctions).getItemIndex === 'function';
}

/** Where requests go and how they are paced and authenticated, read from the credential. */
export interface AgoraApp {
	/** `https://{host}/{org}/{app}`: every request's baseURL, built in code, never per item by an expression. */
	baseUrl: string;
	requestsPerSecond: number;
	tokenSource: TokenSource;
	/** For Client ID + Client Secret: the hash that identifies the credential's tokens. */
	tokenKey?: string;
}

function appOf(credentials: ICredentialDataDecryptedObject): AgoraApp {
	const tokenSource = tokenSourceOf(credentials);
	const perSecond = Number(credentials.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND);
	return {
		baseUrl: agoraAppUrl(parseAgoraApp(credentials)),
		requestsPerSecond: Number.isFinite(perSecond) ? perSecond : DEFAULT_REQUESTS_PER_SECOND,
		tokenSource,
		tokenKey: tokenSource === 'clientCredentials' ? clientCredentialsKey(credentials) : undefined,
	};
}

/** Per process, per execution and credential (credentials may change between executions), bounded. */
const MAX_REMEMBERED_APPS = 200;
const appsByExecution = new Map<string, Promise<AgoraApp>>();

/** The execution an item runs in ('' outside one). */
export function executionIdOf(context: AgoraContext): string {
	try {
		return String(context.getExecutionId() ?? '');
	} catch {
		return '';
	}
}

/** Only a running execution's items share the app (editor look-ups and polls read the credential anew). */
function executionKey(context: AgoraContext): string | undefined {
	if (!isItemContext(context)) return undefined;
	const credentialId = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id;
	const executionId = executionIdOf(context);
	return executionId && credentialId ? `${executionId}\n${credentialId}` : undefined;
}

/** The app of the node's credential; read once per execution. Refusals name the field to fix. */
export async function resolveApp(context: AgoraContext): Promise<AgoraApp> {
	return await rememberedApp(context).catch((error: Error) => {
		throw toNodeError(context.getNode(), describeFailure(error), {}, isItemContext(context) ? context.getItemIndex() : undefined);
	});
}

async function rememberedApp(context: AgoraContext): Promise<AgoraApp> {
	const key = executionKey(context);
	const remembered = key ? appsByExecution.get(key) : undefined;
	if (remembered) return await remembered;
	const app = context.getCredentials(CREDENTIAL_TYPE).then(appOf);
	if (key) {
		appsByExecution.set(key, app);
		while (appsByExecution.size > MAX_REMEMBERED_APPS) appsByExecution.delete(appsByExecution.keys().next().value as string);
		app.catch(() => appsByExecution.delete(key));
	}
	return await app;
}
