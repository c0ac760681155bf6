import type { IDataObject, IExecutePaginationFunctions, IExecuteSingleFunctions, INodeExecutionData, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { sharedFilesRoute } from '../../shared/descriptions';
import { itemRequest, pairedWith } from '../../shared/itemHook';
import { fileNameMatcher, knownSharedFiles, MAX_PAGE_SIZE, pageSizeFor, readSharedFiles, sharedFilePages } from '../../shared/sharedFileList';
import type { SharedFile } from '../../shared/sharedFileList';
import { inputError, readIdentifier } from '../../shared/validation';

interface GetManyFilters {
	fileName?: string;
	uploadedAfter?: unknown;
	uploadedBefore?: unknown;
	owner?: string;
}

/** A dateTime parameter as ms since the epoch: n8n passes an ISO string, an expression may give a date object. */
function readTime(context: IExecuteSingleFunctions, value: unknown, label: string): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const candidate = value as { toMillis?: () => number; getTime?: () => number };
	const time =
		typeof candidate.toMillis === 'function'
			? candidate.toMillis()
			: typeof candidate.getTime === 'function'
				? candidate.getTime()
				: typeof value === 'number'
					? value
					: Date.parse(String(value));
	if (!Number.isFinite(time)) {
		throw inputError(context, `${label} is not a date: "${String(value)}"`, 'Pick a date in the filter, or map a value such as 2026-12-01T08:00:00Z.');
	}
	return time;
}

/** Matching files: name (case-insensitive, `*` wildcard), owner, and uploaded in [after, before). */
function readFilter(context: IExecuteSingleFunctions): ((file: SharedFile) => boolean) | undefined {
	const filters = context.getNodeParameter('filters', {}) as GetManyFilters;
	const nameMatches = filters.fileName?.trim() ? fileNameMatcher(filters.fileName) : undefined;
	const after = readTime(context, filters.uploadedAfter, 'Uploaded After');
	const before = readTime(context, filters.uploadedBefore, 'Uploaded Before');
	const owner = typeof filters.owner === 'string' ? filters.owner.trim() : '';
	if (!nameMatches && after === undefined && before === undefined && !owner) return undefined;
	return (file) =>
		(!nameMatches || nameMatches(file.file_name)) &&
		(after === undefined || file.created >= after) &&
		(before === undefined || file.created < before) &&
		(!owner || file.file_owner === owner);
}

/**
 * The files the user asked for, through the group's shared list: Return All reads every page
 * once per group per execution; a Limit uses that list when the execution holds it (or is
 * reading it), else asks only for the pages it needs, and counts matching files.
 */
async function getManySharedFiles(this: IExecutePaginationFunctions): Promise<INodeExecutionData[]> {
	const groupId = readIdentifier(this, 'groupId');
	// Only one of them is shown: the tool's own Limit, or Return All and Limit.
	const toolLimit = this.getNodeParameter('toolLimit', null) as number | null;
	const returnAll = toolLimit === null && (this.getNodeParameter('returnAll', false) as boolean);
	const limit = returnAll ? Infinity : Math.max(1, Math.floor((toolLimit ?? this.getNodeParameter('limit', 50)) as number));
	const matches = readFilter(this) ?? (() => true);
	const toItem = (file: SharedFile) => pairedWith(this, { ...file } as IDataObject);
	const known = await knownSharedFiles(this, groupId);
	if (returnAll || known) {
		return (known ?? (await readSharedFiles(this, groupId))).filter(matches).slice(0, limit).map(toItem);
	}
	// Without a filter every file counts: pages just large enough for the limit. With one, full pages.
	const pageSize = readFilter(this) ? MAX_PAGE_SIZE : pageSizeFor(limit);
	const found = new Map<string, SharedFile>();
	for await (const page of sharedFilePages(this, groupId, pageSize)) {
		for (const file of page) if (matches(file) && !found.has(file.file_id)) found.set(file.file_id, file);
		if (found.size >= limit) break;
	}
	return [...found.values()].slice(0, limit).map(toItem);
}

const showForGetMany = { resource: ['sharedFile'], operation: ['getAll'] };

/**
 * A model reads every item a tool returns, so as a tool (node version 1.1 on) Get Many answers
 * with at most its own Limit of files (`toolLimit`, 10 unless set), and has no Return All. A
 * default is not saved with a workflow: a parameter of its own, shown only in the `…Tool` variant
 * (n8n's `@tool` condition) of new nodes, keeps every saved workflow's answer as it was, version 1
 * tools included. (n8n's lint rules want a parameter named `limit` to default to 50.)
 */
export const TOOL_DEFAULT_LIMIT = 10;
const SHORT_ANSWERS_SINCE = 1.1;

/** The property where answers are not kept short: node version 1, and outside the tool variant. */
function forFullAnswers(property: INodeProperties): INodeProperties[] {
	const show = property.displayOptions?.show ?? {};
	return [
		{ ...property, displayOptions: { show: { ...show, '@version': [{ _cnd: { lt: SHORT_ANSWERS_SINCE } }] } } },
		{ ...property, displayOptions: { show: { ...show, '@version': [{ _cnd: { gte: SHORT_ANSWERS_SINCE } }], '@tool': [false] } } },
	];
}

export const getManySharedFilesOperation: INodePropertyOptions = {
	name: 'Get Many',
	value: 'getAll',
	action: 'Get many shared files (with IDs) of a group',
	description: 'List the shared files of a chat group, newest first: ID, name, size, owner, upload time',
	routing: {
		request: { method: 'GET', url: sharedFilesRoute },
		send: { paginate: true },
		operations: { pagination: itemRequest(getManySharedFiles) },
	},
};

export const getManySharedFilesFields: INodeProperties[] = [
	...forFullAnswers({
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: showForGetMany },
	}),
	...forFullAnswers({
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...showForGetMany, returnAll: [false] } },
	}),
	{
		displayName: 'Limit',
		name: 'toolLimit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: TOOL_DEFAULT_LIMIT,
		description: 'Max number of files the model gets, newest first. It reads every one: keep it small.',
		displayOptions: { show: { ...showForGetMany, '@version': [{ _cnd: { gte: SHORT_ANSWERS_SINCE } }], '@tool': [true] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: showForGetMany },
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. report-*.pdf',
				description: 'Only files with this name, compared case-insensitively. * matches any run of characters.',
			},
			{
				displayName: 'Owner',
				name: 'owner',
				type: 'string',
				default: '',
				placeholder: 'e.g. @ppAdmin',
				description: 'Only files uploaded by this user ID (file_owner). Files uploaded with an app token show "@ppAdmin".',
			},
			{
				displayName: 'Uploaded After',
				name: 'uploadedAfter',
				type: 'dateTime',
				default: '',
				description: 'Only files uploaded at or after this time',
			},
			{
				displayName: 'Uploaded Before',
				name: 'uploadedBefore',
				type: 'dateTime',
				default: '',
				description: 'Only files uploaded before this time',
			},
		],
	},
];
