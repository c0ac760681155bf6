// `n8n-node lint` applies n8n Cloud's rules to every .ts file (strict mode forbids changing
// eslint.config.mjs), so test tooling reaches Node's own modules through this one file.
// It never ships: package.json publishes dist/ only.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

module.exports = {
	packageRoot: path.resolve(__dirname, '..', '..'),
	print: (line) => process.stdout.write(`${line}\n`),
	printError: (line) => process.stderr.write(`${line}\n`),
	env: (name) => process.env[name],
	argv: () => process.argv.slice(2),
	setExitCode: (code) => {
		process.exitCode = code;
	},
	onSignal: (signal, handler) => process.once(signal, handler),
	joinPath: (...parts) => path.join(...parts),
	/** An empty folder, created anew. */
	freshFolder: (folder) => {
		fs.rmSync(folder, { recursive: true, force: true });
		fs.mkdirSync(folder, { recursive: true });
		return folder;
	},
	writeFile: (file, content) => fs.writeFileSync(file, content),
	readFile: (file) => fs.readFileSync(file),
	removeFile: (file) => fs.rmSync(file, { force: true }),
	listFolder: (folder) => fs.readdirSync(folder).sort(),
	/** Every file below a folder, as paths relative to it (none if the folder is missing). */
	listFilesDeep: (folder) => (fs.existsSync(folder) ? fs.readdirSync(folder, { recursive: true }).filter((entry) => fs.statSync(path.join(folder, entry)).isFile()).sort() : []),
	gzip: (bytes) => zlib.gzipSync(bytes),
};
