// Machine description and a contention gauge: CPU used by processes that are not the benchmark's.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export function machineInfo() {
	const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
	const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
	let nproc;
	try {
		nproc = Number(execFileSync('nproc', { encoding: 'utf8', timeout: 5000 }).trim());
	} catch {
		nproc = os.availableParallelism();
	}
	return {
		nproc,
		cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
		memTotalGiB: Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024,
		kernel: os.release(),
	};
}

export function uptimeLine() {
	try {
		return execFileSync('uptime', { encoding: 'utf8', timeout: 5000 }).trim();
	} catch {
		return `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;
	}
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineJiffies() {
	const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
	const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
	const busy = user + nice + system + irq + softirq + (steal ?? 0);
	return { busy, total: busy + idle + (iowait ?? 0) };
}

/** utime+stime of a process (and of its waited-for children with includeChildren), in jiffies. */
function processJiffies(pid, includeChildren) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number); // fields from #3 (state) on
		const [utime, stime, cutime, cstime] = fields.slice(11, 15);
		return utime + stime + (includeChildren ? cutime + cstime : 0);
	} catch {
		return 0;
	}
}

/**
 * Measures, between start() and stop(), how many CPU cores on average were busy with work that is not
 * ours: machine busy time minus this process and its reaped children (the n8n runs) and the extra pids
 * (the emulator). All in jiffies, so the clock tick rate cancels out.
 */
export function contentionGauge(extraPids = []) {
	const snap = () => ({ m: machineJiffies(), ours: processJiffies(process.pid, true) + extraPids.reduce((s, p) => s + processJiffies(p, false), 0), at: Date.now() });
	let s0;
	return {
		start() {
			s0 = snap();
		},
		stop() {
			const s1 = snap();
			const total = s1.m.total - s0.m.total;
			const cores = os.cpus().length;
			if (total <= 0) return { foreignCores: 0, ourCores: 0, seconds: 0 };
			// total jiffies are summed over all cores: cores × elapsed ticks.
			const foreign = Math.max(0, s1.m.busy - s0.m.busy - (s1.ours - s0.ours));
			return { foreignCores: (foreign / total) * cores, ourCores: ((s1.ours - s0.ours) / total) * cores, seconds: (s1.at - s0.at) / 1000 };
		},
	};
}
