// The project's Agora Chat emulator as its own process on 127.0.0.1, as a user would run it next to
// n8n, driven by its admin API. Used by the end-to-end suite and the benchmark.

import { spawn } from 'node:child_process';

import { freeLoopbackPort } from './n8n-cli.mjs';
import { repoRoot } from './n8n-install.mjs';

const START_TIMEOUT_MS = 60_000;
const ADMIN_TIMEOUT_MS = 60_000;

/**
 * `appId` and `appCertificate` make it accept Agora AccessToken2 tokens of that project; `port`
 * (default: a free one) and `seedDemo` (the demo group) are for `npm run dev`.
 */
export async function startEmulator({ rateLimit = 0, rateLimitMode, appId, appCertificate, port: wantedPort, seedDemo = false } = {}) {
	const port = wantedPort ?? (await freeLoopbackPort());
	const tokenArgs = appId && appCertificate ? ['--app-id', appId, '--app-certificate', appCertificate] : [];
	const child = spawn(
		process.execPath,
		['-r', 'ts-node/register/transpile-only', 'test/emulator/cli.ts', '--port', String(port), '--rate-limit', String(rateLimit), ...(rateLimitMode ? ['--rate-limit-mode', rateLimitMode] : []), ...tokenArgs, ...(seedDemo ? ['--seed-demo'] : [])],
		{ cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let output = '';
	try {
		await new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`the emulator did not start within ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
			const onData = (chunk) => {
				output += chunk;
				if (output.includes('listening on')) {
					clearTimeout(timer);
					resolve();
				}
			};
			child.stdout.on('data', onData);
			child.stderr.on('data', onData);
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`the emulator exited (${code}): ${output}`));
			});
		});
	} catch (error) {
		child.kill('SIGKILL');
		throw error;
	}
	// Keep draining its output so a chatty emulator never blocks on a full pipe.
	child.stdout.resume();
	child.stderr.resume();
	const kill = () => child.kill('SIGKILL');
	process.once('exit', kill);

	const url = `http://127.0.0.1:${port}`;
	const admin = async (method, route, body) => {
		const response = await fetch(`${url}/_emulator/${route}`, {
			method,
			headers: body ? { 'content-type': 'application/json' } : {},
			body: body ? JSON.stringify(body) : undefined,
			signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
		});
		if (!response.ok) throw new Error(`emulator ${method} ${route}: ${response.status} ${await response.text()}`);
		return await response.json();
	};
	const stop = () => {
		process.removeListener('exit', kill);
		child.kill('SIGTERM');
	};
	return { url, port, pid: child.pid, admin, stop };
}
