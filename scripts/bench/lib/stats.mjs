// Median and spread of repeated measurements.

export function summary(values) {
	const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (!v.length) return { n: 0, median: NaN, min: NaN, max: NaN };
	const mid = Math.floor(v.length / 2);
	const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
	return { n: v.length, median, min: v[0], max: v[v.length - 1] };
}

/** The p-th percentile (nearest rank) of the finite values; NaN if there are none. */
export function percentile(values, p) {
	const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

/** "123 (110–140)" with the given digits. */
export function fmt(s, digits = 0, unit = '') {
	if (!s || !s.n) return 'n/a';
	const f = (x) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
	return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

/** Order of the sides in repetition `rep`: rotated, so no side always runs first (or after the same one). */
export function rotated(list, rep) {
	const k = rep % list.length;
	return [...list.slice(k), ...list.slice(0, k)];
}

/** The most events within any window of `ms` (times in any order). */
export function maxInWindow(times, ms) {
	const t = [...times].sort((a, b) => a - b);
	let best = 0;
	for (let i = 0, j = 0; i < t.length; i++) {
		while (t[i] - t[j] >= ms) j++;
		best = Math.max(best, i - j + 1);
	}
	return best;
}
