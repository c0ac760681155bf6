// Jest runs each test file in its own realm, so Node's fs errors are not `instanceof Error`
// there, and n8n-core's file helpers (used by the examples' Read/Write Files node) then take a
// missing file for a fatal error. Sharing the host's Error class keeps that check true.
const { TestEnvironment } = require('jest-environment-node');

class HostErrorEnvironment extends TestEnvironment {
	constructor(config, context) {
		super(config, context);
		this.global.Error = Error;
	}
}

module.exports = HostErrorEnvironment;
