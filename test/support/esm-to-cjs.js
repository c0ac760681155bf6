// Jest transformer for the few ES-module-only packages n8n-nodes-base requires: TypeScript's
// own transpiler turns their import/export into CommonJS, nothing else changes.
const ts = require('typescript');

module.exports = {
	process(sourceText, sourcePath) {
		const { outputText } = ts.transpileModule(sourceText, {
			fileName: sourcePath,
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, allowJs: true, esModuleInterop: true },
		});
		return { code: outputText };
	},
};
