import type { IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';

/**
 * An item's parameters, each read once. n8n evaluates a parameter's `{{ }}` every time a node
 * reads it (about 1 ms and 40 KB of garbage in n8n 2.x's default vm expression engine), and an
 * operation reads the Group, the File and its options at several points of an item's run (the
 * checks, the path, the output, an error's context). Kept per node run and item until the item
 * is done.
 */
const readByRun = new WeakMap<object, Map<number, Map<string, unknown>>>();

function runOf(context: IExecuteSingleFunctions): object {
	return (context.getExecuteData() as object | undefined) ?? context;
}

/**
 * `={{ $json.file_id }}`, `={{ $json.file.name }}`, `={{ $json["file-id"] }}`: a field of the item
 * itself, as a mapping by drag and drop writes it, by far the most common parameter expression.
 */
const MAPPED_FIELD = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*|\[(?:'[^'\\]*'|"[^"\\]*")\])+)\s*\}\}$/;
const PATH_SEGMENT = /\.([A-Za-z_$][\w$]*)|\[(?:'([^'\\]*)'|"([^"\\]*)")\]/g;

/** A mapped field's value read from the item, or undefined when n8n must evaluate it (not such a field, not plain text, number or boolean). */
function mappedFieldValue(context: IExecuteSingleFunctions, expression: string): { value: unknown } | undefined {
	const match = MAPPED_FIELD.exec(expression);
	if (!match) return undefined;
	let value: unknown = context.getInputData().json;
	for (const [, dotted, singleQuoted, doubleQuoted] of match[1].matchAll(PATH_SEGMENT)) {
		const key = dotted ?? singleQuoted ?? doubleQuoted;
		if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
		value = (value as IDataObject)[key];
	}
	return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? { value } : undefined;
}

/**
 * The parameter's value without n8n's expression engine when every expression in it is a mapped
 * field (a locator `{ __rl, mode, value }` or a collection of such values included); otherwise
 * undefined, and n8n evaluates it as always. The same value either way.
 */
function withoutEngine(context: IExecuteSingleFunctions, raw: unknown): { value: unknown } | undefined {
	if (typeof raw === 'string') return raw.startsWith('=') ? mappedFieldValue(context, raw) : { value: raw };
	if (typeof raw === 'number' || typeof raw === 'boolean') return { value: raw };
	if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
	const resolved: IDataObject = {};
	for (const [key, entry] of Object.entries(raw as IDataObject)) {
		const part = withoutEngine(context, entry);
		if (!part) return undefined;
		resolved[key] = part.value as IDataObject[string];
	}
	return { value: resolved };
}

export function itemParameter(context: IExecuteSingleFunctions, name: string, fallback: unknown): unknown {
	const run = runOf(context);
	const items = readByRun.get(run) ?? new Map<number, Map<string, unknown>>();
	readByRun.set(run, items);
	const itemIndex = context.getItemIndex();
	const read = items.get(itemIndex) ?? new Map<string, unknown>();
	items.set(itemIndex, read);
	if (!read.has(name)) {
		const raw = context.getNode().parameters[name];
		const direct = raw === undefined ? undefined : withoutEngine(context, raw);
		read.set(name, direct ? direct.value : context.getNodeParameter(name, fallback));
	}
	return read.get(name);
}

/** The item is done: what it read is not kept for the rest of the node's run. */
export function forgetItemParameters(context: IExecuteSingleFunctions): void {
	readByRun.get(runOf(context))?.delete(context.getItemIndex());
}
