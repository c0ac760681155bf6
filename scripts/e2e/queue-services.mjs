// Redis and PostgreSQL for n8n's queue mode, from the Debian packages (`apt-get install -y
// redis-server postgresql`), each on a free loopback port with a throwaway data folder, stopped
// by the returned stop(). PostgreSQL refuses to run as root, so initdb/pg_ctl run as `postgres`.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { freeLoopbackPort } from './n8n-cli.mjs';

const START_TIMEOUT_MS = 60_000;

function postgresBinDir() {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'pg_ctl'))) : [];
	if (!majors.length) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/pg_ctl): apt-get install -y postgresql');
	return path.join(root, majors.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

function run(cmd, args, { asUser, timeoutMs = 120_000 } = {}) {
	const [file, argv] = asUser && process.getuid?.() === 0 ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
	const r = spawnSync(file, argv, { encoding: 'utf8', timeout: timeoutMs });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr || r.stdout}`);
	return r.stdout;
}

async function waitFor(check, what) {
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`${what} did not start within ${START_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** redis-server on 127.0.0.1:<free port>, no persistence, data folder under `root`. */
export async function startRedis(root) {
	const bin = fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
	const port = await freeLoopbackPort();
	const dir = path.join(root, 'redis');
	fs.mkdirSync(dir, { recursive: true });
	const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	let exited = false;
	child.once('exit', () => (exited = true));
	const kill = () => {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* gone */
		}
	};
	process.once('exit', kill);
	try {
		await waitFor(() => {
			if (exited) throw new Error(`redis-server exited: ${output}`);
			return /Ready to accept connections/.test(output);
		}, 'redis-server');
	} catch (error) {
		kill();
		throw error;
	}
	const stop = async () => {
		process.removeListener('exit', kill);
		if (!exited) {
			child.kill('SIGTERM');
			await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
		}
	};
	return { host: '127.0.0.1', port, pid: child.pid, stop };
}

/** A throwaway PostgreSQL cluster on 127.0.0.1:<free port> with one database and user for n8n. */
export async function startPostgres(root) {
	const bin = postgresBinDir();
	const port = await freeLoopbackPort();
	const dir = path.join(root, 'postgres');
	const data = path.join(dir, 'data');
	fs.mkdirSync(dir, { recursive: true });
	// The postgres user must own the folder and be able to reach it (the temp root is root's).
	const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
	if (asUser) {
		run('chown', ['-R', 'postgres:postgres', dir]);
		for (let up = root; up !== path.dirname(up); up = path.dirname(up)) {
			const mode = fs.statSync(up).mode;
			if ((mode & 0o001) === 0) fs.chmodSync(up, mode | 0o711);
		}
	}
	run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale'], { asUser });
	const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
	run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start'], { asUser });
	const stop = async () => {
		try {
			run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { asUser });
		} catch {
			/* already stopped */
		}
	};
	process.once('exit', () => {
		spawnSync(asUser ? 'runuser' : path.join(bin, 'pg_ctl'), asUser ? ['-u', asUser, '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
	});
	try {
		const psql = (sql) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
		psql("CREATE USER n8n WITH PASSWORD 'n8n-e2e'");
		psql('CREATE DATABASE n8n OWNER n8n');
	} catch (error) {
		await stop();
		throw error;
	}
	const query = (sql) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'n8n', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
	return { host: '127.0.0.1', port, database: 'n8n', user: 'n8n', password: 'n8n-e2e', query, stop };
}

/** n8n's environment for queue mode on these services (main and workers alike). */
export function queueModeVars({ redis, postgres }) {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		// Manual runs (the REST API's, as the editor's button) go to the workers too, as in n8n 3.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
	};
}
