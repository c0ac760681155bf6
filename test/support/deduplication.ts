/**
 * n8n's deduplication store (what Remove Duplicates' "Remove Items Processed in Previous
 * Executions" and `helpers.checkProcessedAndRecord` use), kept in memory instead of n8n's
 * database table. Same rules as the server's DeduplicationHelper: one record per workflow and
 * scope (`n:<node id>` or the whole workflow), md5 of each value in `entries` mode trimmed
 * to the newest `maxEntries`, the largest value in the `latest*` modes.
 */
import { createHash } from 'crypto';
import { tryToParseDateTime } from 'n8n-workflow';
import type {
	DeduplicationItemTypes,
	DeduplicationMode,
	DeduplicationScope,
	ICheckProcessedContextData,
	ICheckProcessedOptions,
	IDataDeduplicator,
	IDeduplicationOutput,
} from 'n8n-workflow';

interface ProcessedRecord {
	mode: DeduplicationMode;
	entries: string[];
	latest?: DeduplicationItemTypes;
}

function recordKey(scope: DeduplicationScope, contextData: ICheckProcessedContextData): string {
	if (scope === 'node' && !contextData.node) throw new Error("No node information has been provided and so cannot use scope 'node'");
	return `${contextData.workflow.id}\n${scope === 'node' ? `n:${contextData.node!.id}` : ''}`;
}

function hashOf(value: DeduplicationItemTypes): string {
	return createHash('md5').update(value.toString()).digest('base64');
}

function compare(mode: DeduplicationMode, a: DeduplicationItemTypes, b: DeduplicationItemTypes): number {
	const [x, y] = mode === 'latestDate' ? [Number(tryToParseDateTime(a)), Number(tryToParseDateTime(b))] : [Number(a), Number(b)];
	return x === y ? 0 : x > y ? 1 : -1;
}

export class InMemoryDeduplicator implements IDataDeduplicator {
	private readonly records = new Map<string, ProcessedRecord>();

	clear(): void {
		this.records.clear();
	}

	async checkProcessedAndRecord(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		const key = recordKey(scope, contextData);
		const record = this.records.get(key);
		if (record && record.mode !== options.mode) {
			throw new Error('Deduplication data was originally saved with an incompatible setting of the ‘Keep Items Where’ parameter.');
		}
		if (options.mode !== 'entries') {
			const sorted = [...items].sort((a, b) => compare(options.mode, a, b));
			if (!record) {
				this.records.set(key, { mode: options.mode, entries: [], latest: sorted[sorted.length - 1] });
				return { new: items, processed: [] };
			}
			const output: IDeduplicationOutput = { new: [], processed: [] };
			let largest = record.latest as DeduplicationItemTypes;
			for (const item of sorted) {
				if (compare(options.mode, item, record.latest as DeduplicationItemTypes) === 1) {
					output.new.push(item);
					if (compare(options.mode, item, largest) === 1) largest = item;
				} else {
					output.processed.push(item);
				}
			}
			record.latest = largest;
			return output;
		}
		const hashes = items.map(hashOf);
		if (!record) {
			this.records.set(key, { mode: 'entries', entries: options.maxEntries ? hashes.slice(-options.maxEntries) : hashes });
			return { new: items, processed: [] };
		}
		const seen = new Set(record.entries);
		const output: IDeduplicationOutput = { new: [], processed: [] };
		hashes.forEach((hash, index) => {
			if (seen.has(hash)) {
				output.processed.push(items[index]);
			} else {
				output.new.push(items[index]);
				record.entries.push(hash);
			}
		});
		if (options.maxEntries) record.entries.splice(0, Math.max(0, record.entries.length - options.maxEntries));
		return output;
	}

	async removeProcessed(items: DeduplicationItemTypes[], scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		const record = this.records.get(recordKey(scope, contextData));
		if (!record || record.mode !== 'entries') return;
		const removed = new Set(items.map(hashOf));
		record.entries = record.entries.filter((hash) => !removed.has(hash));
	}

	async clearAllProcessedItems(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		this.records.delete(recordKey(scope, contextData));
	}

	async getProcessedDataCount(scope: DeduplicationScope, contextData: ICheckProcessedContextData, options: ICheckProcessedOptions): Promise<number> {
		const record = this.records.get(recordKey(scope, contextData));
		return options.mode === 'entries' && record?.mode === 'entries' ? record.entries.length : 0;
	}
}
