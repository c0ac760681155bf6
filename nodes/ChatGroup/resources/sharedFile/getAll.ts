import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { sharedFilesPath } from '../../shared/descriptions';
import { envelopeData, getAppJson, itemRequest, pairedWith, withRetries } from '../../shared/transport';

/** The service's largest page; it sends no total and no cursor. */
export const MAX_PAGE_SIZE = 1000;

/**
 * The page size that reaches `limit` in the fewest requests without fetching more than
 * needed: 1,500 files are two pages of 750, not a page of 1,000 and one of 1,000.
 */
export function pageSizeFor(limit: number): number {
	return Math.ceil(limit / Math.ceil(limit / MAX_PAGE_SIZE));
}

/**
 * The group's files page by page, for look-ups other operations need (a lost upload, a file's
 * name); stops after the first short page, the API's only sign of the end.
 */
export async function* sharedFilePages(
	context: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	groupId: string,
): AsyncGenerator<IDataObject[]> {
	const url = `/chatgroups/${encodeURIComponent(groupId)}/share_files`;
	for (let pageNumber = 1; ; pageNumber++) {
		const page = envelopeData(await getAppJson(context, requestData, url, { pagenum: pageNumber, pagesize: MAX_PAGE_SIZE }));
		const files = Array.isArray(page) ? (page as IDataObject[]) : [];
		yield files;
		if (files.length < MAX_PAGE_SIZE) return;
	}
}

async function toFileItems(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const files = envelopeData(response.body);
	return Array.isArray(files) ? files.map((file) => pairedWith(this, file as IDataObject)) : [];
}

/** Asks page after page until a short page proves the end, or until the limit is reached. */
async function fetchSharedFilePages(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', false) as boolean;
	const limit = returnAll ? Infinity : Math.max(1, Math.floor(this.getNodeParameter('limit', 50) as number));
	const pageSize = returnAll ? MAX_PAGE_SIZE : pageSizeFor(limit);
	const files: INodeExecutionData[] = [];
	for (let pageNumber = 1; files.length < limit; pageNumber++) {
		const pageRequest = {
			...requestData,
			options: { ...requestData.options, qs: { ...requestData.options.qs, pagenum: pageNumber, pagesize: pageSize } },
		};
		const page = await withRetries(this, async () => await this.makeRoutingRequest(pageRequest));
		files.push(...page);
		if (page.length < pageSize) break;
	}
	return files.slice(0, limit);
}

const showForGetMany = { resource: ['sharedFile'], operation: ['getAll'] };

export const getManySharedFilesOperation: INodePropertyOptions = {
	name: 'Get Many',
	value: 'getAll',
	action: 'Get many shared files of a group',
	description: 'List the shared files of a chat group, newest first',
	routing: {
		request: { method: 'GET', url: sharedFilesPath },
		send: { paginate: true },
		operations: { pagination: itemRequest(fetchSharedFilePages) },
		output: { postReceive: [toFileItems] },
	},
};

export const getManySharedFilesFields: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: showForGetMany },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...showForGetMany, returnAll: [false] } },
	},
];
