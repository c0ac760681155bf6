// Preloaded into the n8n process (`node --require`) by the benchmark only, never shipped: notes when the
// package's pacer lets each request go and when its answer is reported (wall clock, the emulator log's
// clock), and writes both to $AGORA_BENCH_PACER_TRACE when the process exits. With the emulator's arrival
// times this gives the delay from the pacer to the service, the jitter the pace must leave room for. `held`:
// for each answered turn, the time from the pacer's grant to its answer (the pacer's clock): a turn counts
// for that long plus a second, so this is what a pace counted from the answers loses per turn.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');

const out = process.env.AGORA_BENCH_PACER_TRACE;
const left = [];
const answered = [];
const held = [];
const load = Module._load;
Module._load = function (request, ...rest) {
	const exports = load.call(this, request, ...rest);
	const Pacer = exports && exports.AdaptivePacer;
	if (out && /requestBudget(\.js)?$/.test(request) && Pacer && !Pacer.benchTraced) {
		Pacer.benchTraced = true;
		const { take, answered: answer } = Pacer.prototype;
		Pacer.prototype.take = async function (...args) {
			const ticket = await take.apply(this, args);
			left.push(Date.now());
			return ticket;
		};
		if (answer) {
			Pacer.prototype.answered = function (ticket, ...more) {
				if (ticket && ticket.turn && ticket.turn.answeredAt === undefined) {
					answered.push(Date.now());
					held.push(performance.now() - ticket.turn.leftAt);
				}
				return answer.call(this, ticket, ...more);
			};
		}
	}
	return exports;
};
process.on('exit', () => {
	if (out) fs.writeFileSync(out, JSON.stringify({ left, answered, held }));
});
