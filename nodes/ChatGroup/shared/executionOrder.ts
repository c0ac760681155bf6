/**
 * Work of one execution on one thing (a group's file name, a group's announcement), done one task
 * after another in the order the tasks asked. Items ask in item order: each takes its turn of the
 * pace in item order and asks right after it.
 */
import { executionIdOf, resolveApp } from './agoraApp';
import type { AgoraContext } from './agoraApp';

const chains = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task of the same key has finished (failed ones too). */
export async function inOrder<T>(key: string, task: () => Promise<T>): Promise<T> {
	const previous = chains.get(key) ?? Promise.resolve();
	const current = previous.catch(() => undefined).then(task);
	chains.set(key, current);
	try {
		return await current;
	} finally {
		if (chains.get(key) === current) chains.delete(key);
	}
}

/** A key for one group of one app in this execution ('' as execution outside one). */
export async function groupScope(context: AgoraContext, groupId: string): Promise<{ key: string; inExecution: boolean }> {
	const executionId = executionIdOf(context);
	return { key: `${executionId}\n${(await resolveApp(context)).baseUrl}\n${groupId}`, inExecution: executionId !== '' };
}
