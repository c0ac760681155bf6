// n8n's scanner (@n8n/scan-community-package, pinned in devDependencies) run the way its CLI runs it once
// the provenance check has passed: `analyzePackage` on the source (SOURCE_FILE_PATTERNS: package.json and
// {nodes,credentials}/**) and on the unpacked tarball (`**/*.js` and package.json), each leg failing on any
// finding. The CLI itself needs a version already published with provenance; these are its two legs.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const scannerPath = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
const scannerRequire = createRequire(scannerPath);
// The scanner makes a temp folder when it is loaded; remove it at exit.
scannerRequire('tmp').setGracefulCleanup();
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(scannerPath);
const glob = scannerRequire('fast-glob');

export const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];
export const SCANNER_VERSION = scannerRequire('../package.json').version;
export { SOURCE_FILE_PATTERNS };

/** The files a leg lints: the same glob and ignores as analyzePackage. */
function filesOf(dir, patterns) {
	return glob.sync(patterns, { cwd: dir, ignore: ['node_modules/**', '**/package-lock.json'] }).sort();
}

/**
 * One leg: `{ passed, files, message?, details? }`. A leg that lints nothing did not pass (the scanner
 * itself calls that a pass), nor one that misses a file it must see.
 */
export async function scanLeg(dir, patterns, mustInclude = []) {
	const files = filesOf(dir, patterns);
	const missing = mustInclude.filter((file) => !files.includes(file));
	if (files.length === 0 || missing.length) return { passed: false, files, message: `the leg would not lint ${missing.join(', ') || 'any file'}` };
	const result = await analyzePackage(dir, patterns);
	return { ...result, files };
}
