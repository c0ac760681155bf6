import { LOST_POLL_MS, pollTurnKey, takePollTurn } from '../../nodes/ChatGroupTrigger/pollTurns';

describe('one poll per workflow and trigger node at a time', () => {
	it('a second turn for the same trigger is refused until the first ends; other triggers and workflows are not held up', () => {
		const key = pollTurnKey('workflow-a', 'node-1');
		const first = takePollTurn(key, 0);
		expect(first?.current).toBe(true);
		expect(takePollTurn(key, 1)).toBeUndefined();
		const otherNode = takePollTurn(pollTurnKey('workflow-a', 'node-2'), 1);
		const otherWorkflow = takePollTurn(pollTurnKey('workflow-b', 'node-1'), 1);
		expect([otherNode?.current, otherWorkflow?.current]).toEqual([true, true]);
		first!.end();
		const next = takePollTurn(key, 2);
		expect(next?.current).toBe(true);
		for (const turn of [next, otherNode, otherWorkflow]) turn!.end();
	});

	it('a poll that has not ended after LOST_POLL_MS is taken to be lost: the next tick polls, and the lost one is told it no longer holds the turn', () => {
		const key = pollTurnKey('workflow-c', 'node-1');
		const lost = takePollTurn(key, 0)!;
		expect(takePollTurn(key, LOST_POLL_MS - 1)).toBeUndefined();
		const taken = takePollTurn(key, LOST_POLL_MS)!;
		expect([lost.current, taken.current]).toEqual([false, true]);
		// The lost poll ending late does not end the turn that replaced it.
		lost.end();
		expect(takePollTurn(key, LOST_POLL_MS + 1)).toBeUndefined();
		taken.end();
		expect(takePollTurn(key, LOST_POLL_MS + 2)?.current).toBe(true);
	});

	it('turns are not kept once ended, and lost ones are swept when many pile up', () => {
		const turns = Array.from({ length: 1_100 }, (_, index) => takePollTurn(pollTurnKey('workflow-d', `node-${index}`), 0)!);
		expect(turns.every((turn) => turn.current)).toBe(true);
		// Long after: a new turn sweeps every lost one.
		const late = takePollTurn(pollTurnKey('workflow-d', 'late'), LOST_POLL_MS)!;
		expect(turns.some((turn) => turn.current)).toBe(false);
		late.end();
		for (const index of [0, 500, 1_099]) expect(takePollTurn(pollTurnKey('workflow-d', `node-${index}`), LOST_POLL_MS + 1)?.current).toBe(true);
	});
});
