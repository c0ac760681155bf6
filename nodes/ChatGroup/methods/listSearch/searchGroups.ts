import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { DEFAULT_RETRY_POLICY, RetryBudget } from '../../shared/retryPolicy';
import { agoraRequest } from '../../shared/sendAndJudge';
import { loadForList } from './loadError';

/** The service's largest page of groups. */
export const GROUP_PAGE_SIZE = 100;
/** While filtering: how many pages one call reads at most before it hands the cursor back. */
const MAX_PAGES_PER_SEARCH = 10;
/** Someone waits in front of the list: short retries (a rate limit, a 503), no long backoff. */
const EDITOR_RETRY_POLICY = { ...DEFAULT_RETRY_POLICY, maxRetries: 2, maxTotalWaitMs: 5_000 };
const EDITOR_TIMEOUT_MS = 10_000;

async function groupPage(context: ILoadOptionsFunctions, qs: IDataObject): Promise<IDataObject> {
	const response = await loadForList(
		context,
		"the app's groups",
		async () =>
			await agoraRequest(
				context,
				{ method: 'GET', url: '/chatgroups', qs, timeout: EDITOR_TIMEOUT_MS },
				{ budget: new RetryBudget(EDITOR_RETRY_POLICY), about: { resource: 'group', operation: 'list' } },
			),
	);
	return (response.body ?? {}) as IDataObject;
}

function groupItem(group: IDataObject): INodeListSearchItems {
	const id = String(group.groupid);
	const name = typeof group.groupname === 'string' && group.groupname.trim() ? group.groupname.trim() : '';
	return { name: name && name !== id ? `${name} (${id})` : id, value: id };
}

function matches(group: IDataObject, filter: string): boolean {
	const needle = filter.toLowerCase();
	return [group.groupname, group.groupid].some((field) => String(field ?? '').toLowerCase().includes(needle));
}

/**
 * The app's groups for the Group picker, by the service's cursor (n8n's pagination token). A
 * filter matches name or ID; pages without a match are read on (up to 10) so that a search
 * does not answer with an empty page while matches follow.
 */
export async function searchGroups(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const needle = (filter ?? '').trim();
	const results: INodeListSearchItems[] = [];
	let cursor = paginationToken || undefined;
	for (let pages = 0; pages < MAX_PAGES_PER_SEARCH; pages++) {
		const qs: IDataObject = { limit: GROUP_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
		const page = await groupPage(this, qs);
		const groups = Array.isArray(page.data) ? (page.data as IDataObject[]) : [];
		for (const group of groups) if (group?.groupid !== undefined && (!needle || matches(group, needle))) results.push(groupItem(group));
		const next = typeof page.cursor === 'string' && page.cursor && groups.length > 0 ? page.cursor : undefined;
		if (next === cursor) cursor = undefined;
		else cursor = next;
		if (!cursor || !needle || results.length >= GROUP_PAGE_SIZE) break;
	}
	return { results, paginationToken: cursor };
}
