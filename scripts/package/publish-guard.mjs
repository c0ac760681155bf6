// What `npm publish` does in this checkout, against a throwaway registry on loopback (nothing leaves the
// machine: the registry and its token are given on the command line, which overrides every config file).
// The project's .npmrc turns lifecycle scripts off (see the README's Development section), so npm skips
// prepublishOnly; publishConfig (`access: public`, `provenance: true`) is what stops a plain publish
// outside CI, and the Publish workflow turns scripts back on so that `n8n-node prerelease` guards there too.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';

import { plainEnv, repoRoot } from './tarball.mjs';

const PUBLISH_TIMEOUT_MS = 120_000;

/** A registry that knows no package, accepts any publish and records every request. */
export async function startFakeRegistry() {
	const requests = [];
	const server = http.createServer((request, response) => {
		const chunks = [];
		request.on('data', (chunk) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			requests.push({ method: request.method, url: request.url, body });
			const accepted = request.method === 'PUT';
			response.writeHead(accepted ? 200 : 404, { 'content-type': 'application/json' });
			response.end(accepted ? '{}' : '{"error":"Not found"}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${server.address().port}/`;
	return { url, requests, stop: () => new Promise((resolve) => server.close(resolve)) };
}

/** `npm publish` in the package folder against the fake registry: `{ code, output, requests, published }`. */
export async function publishTo(registry, { args = [], env = {} } = {}) {
	const from = registry.requests.length;
	const host = new URL(registry.url).host;
	const { code, output } = await new Promise((resolve, reject) => {
		const child = spawn('npm', ['publish', `--registry=${registry.url}`, `--//${host}/:_authToken=not-a-real-token`, ...args], {
			cwd: repoRoot,
			env: plainEnv(env),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let text = '';
		child.stdout.on('data', (chunk) => (text += chunk));
		child.stderr.on('data', (chunk) => (text += chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), PUBLISH_TIMEOUT_MS);
		child.on('error', reject);
		child.on('close', (exitCode) => {
			clearTimeout(timer);
			resolve({ code: exitCode, output: text });
		});
	});
	const requests = registry.requests.slice(from);
	const put = requests.find((request) => request.method === 'PUT');
	let published;
	if (put) {
		const document = JSON.parse(put.body.toString('utf8'));
		const [attachment] = Object.values(document._attachments ?? {});
		const tarball = Buffer.from(attachment?.data ?? '', 'base64');
		published = { version: Object.keys(document.versions ?? {})[0], access: document.access, shasum: createHash('sha1').update(tarball).digest('hex') };
	}
	return { code, output, requests: requests.map(({ method, url }) => `${method} ${url}`), published };
}
