// Preloaded into the n8n process (`node --require`) by the benchmark's memory investigation only, never shipped:
// V8's sampling heap profiler runs from start-up (an in-process inspector session); on SIGUSR2 the process
// collects garbage and writes what is still alive, by the stack that allocated it, to $AGORA_BENCH_HEAP_DIR
// (live-N.heapprofile), with process.memoryUsage() before and after the collection (mem-N.json); with
// AGORA_BENCH_HEAP_SNAPSHOT=1 also a full heap snapshot (snap-N.heapsnapshot). With AGORA_BENCH_HEAP_ALL=1 the
// profile counts every allocation since start-up, also what garbage collection has freed since (allocation volume).
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');
const v8 = require('node:v8');

const dir = process.env.AGORA_BENCH_HEAP_DIR;
if (dir) {
	const session = new inspector.Session();
	session.connect();
	session.post('HeapProfiler.enable');
	const all = Boolean(process.env.AGORA_BENCH_HEAP_ALL);
	session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: all, includeObjectsCollectedByMinorGC: all });
	let taken = 0;
	process.on('SIGUSR2', () => {
		const n = ++taken;
		const before = process.memoryUsage();
		session.post('HeapProfiler.collectGarbage', () => {
			const after = process.memoryUsage();
			session.post('HeapProfiler.getSamplingProfile', (error, result) => {
				if (!error) fs.writeFileSync(path.join(dir, `live-${n}.heapprofile`), JSON.stringify(result.profile));
				if (process.env.AGORA_BENCH_HEAP_SNAPSHOT) v8.writeHeapSnapshot(path.join(dir, `snap-${n}.heapsnapshot`));
				fs.writeFileSync(path.join(dir, `mem-${n}.json`), JSON.stringify({ at: Date.now(), before, after, heap: v8.getHeapStatistics(), error: error?.message }));
			});
		});
	});
}
