/** Tests run the built package from dist/ (npm test builds first), as n8n loads it. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
	},
	setupFiles: ['<rootDir>/test/support/quiet-n8n.js'],
	testTimeout: 60000,
	maxWorkers: 2,
};
