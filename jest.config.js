/** Tests run the built package from dist/ (npm test builds first), as n8n loads it. */
const esmOnlyPackages = '(change-case|htmlparser2|domhandler|domutils|dom-serializer|domelementtype|entities)';

module.exports = {
	testEnvironment: '<rootDir>/test/support/jest-environment.js',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
		// Packages that n8n-nodes-base (the example workflows' Set, Filter, ... nodes) requires
		// although they ship only ES modules: Node 20 loads them, jest needs them compiled.
		[`/node_modules/${esmOnlyPackages}/.+\\.js$`]: '<rootDir>/test/support/esm-to-cjs.js',
	},
	// Judged by the innermost package of a path (node_modules nest).
	transformIgnorePatterns: [`/node_modules/(?!${esmOnlyPackages}/)[^/]+/(?!.*node_modules/)`],
	setupFiles: ['<rootDir>/test/support/n8n-env.js'],
	testTimeout: 60000,
	maxWorkers: 2,
};
