// What the published tarball may hold: what n8n loads from an installed community package, and what
// npm always adds. Anything else (build info, declarations, source maps, screenshots, a stray
// dist/package.json) is a finding. Folders, not file names: a new node or credential needs no edit here.
// CommonJS with a .d.ts, so that the jest tests and the .mjs checks share it.

/** Paths inside the tarball (without npm's `package/` prefix). */
const ALLOWED_TARBALL_FILES = [
	{ what: 'package.json', pattern: /^package\.json$/ },
	{ what: 'README.md', pattern: /^README\.md$/ },
	{ what: 'LICENSE.md', pattern: /^LICENSE\.md$/ },
	{ what: 'compiled code under dist/nodes, dist/credentials and dist/agora', pattern: /^dist\/(nodes|credentials|agora)\/([^/]+\/)*[^/]+\.js$/ },
	{ what: "a node's codex (dist/nodes/**/*.node.json)", pattern: /^dist\/nodes\/([^/]+\/)*[^/]+\.node\.json$/ },
	{ what: 'icons (svg, png) under dist/icons, dist/nodes and dist/credentials', pattern: /^dist\/(icons|nodes|credentials)\/([^/]+\/)*[^/]+\.(svg|png)$/ },
];

/** The files no rule of ALLOWED_TARBALL_FILES accepts. */
function unexpectedTarballFiles(paths) {
	return paths.filter((file) => !ALLOWED_TARBALL_FILES.some((rule) => rule.pattern.test(file)));
}

/** The files package.json's `n8n` attribute names (nodes, credentials) that the tarball lacks. */
function missingTarballFiles(paths, packageJson) {
	const n8n = packageJson.n8n ?? {};
	const named = [...(n8n.nodes ?? []), ...(n8n.credentials ?? [])].map((file) => file.replace(/^\.\//, ''));
	return named.filter((file) => !paths.includes(file));
}

module.exports = { ALLOWED_TARBALL_FILES, unexpectedTarballFiles, missingTarballFiles };
