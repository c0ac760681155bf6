import type { PacerClock } from '../../agora/requestBudget';

/** A clock the test moves: `sleep` resolves only when `advance` passes its time. */
export class FakeClock implements PacerClock {
	private time = 0;
	private timers: Array<{ at: number; resolve: () => void }> = [];

	now(): number {
		return this.time;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => this.timers.push({ at: this.time + Math.max(0, ms), resolve }));
	}

	/** Lets every promise chain that is not waiting for the clock run on. */
	async settle(): Promise<void> {
		for (let turn = 0; turn < 50; turn++) await Promise.resolve();
	}

	/** Moves time forward timer by timer, letting each woken task run before the next fires. */
	async advance(ms: number): Promise<void> {
		const end = this.time + ms;
		await this.settle();
		for (;;) {
			this.timers.sort((a, b) => a.at - b.at);
			const next = this.timers[0];
			if (!next || next.at > end) break;
			this.timers.shift();
			this.time = Math.max(this.time, next.at);
			next.resolve();
			await this.settle();
		}
		this.time = end;
		await this.settle();
	}
}
