/**
 * Runs `handler` when `signal` aborts, through one 'abort' listener per signal however many waits
 * watch it: a 1,000-item execution would otherwise add 1,000 listeners to its one signal (Node
 * warns past 10). Returns the function that stops watching.
 */
const handlersBySignal = new WeakMap<AbortSignal, Set<() => void>>();

export function onAbort(signal: AbortSignal, handler: () => void): () => void {
	let handlers = handlersBySignal.get(signal);
	if (!handlers) {
		const watching = new Set<() => void>();
		handlers = watching;
		handlersBySignal.set(signal, watching);
		signal.addEventListener(
			'abort',
			() => {
				for (const run of [...watching]) run();
				watching.clear();
			},
			{ once: true },
		);
	}
	const registered = handlers;
	registered.add(handler);
	return () => registered.delete(handler);
}
