/**
 * The alarm manager's watchdog: an acknowledged alert, or an answered keep-alive (sent
 * when nothing is queued), shows the alarm path works; none for `downAfterMs` raises the
 * `alarm-manager-down` technical alarm (through `onChange`), and the next one clears it.
 * Refusals do not count: a manager that refuses every alert is reported too. Silence is
 * measured from start, so a manager that never answers is reported as well.
 */
import type { Clock, TimerHandle } from '@wardlink/shared';

export class Pcd04Watchdog {
  private lastAnswerMs = 0;
  private down = false;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly downAfterMs: number,
    private readonly onChange: (up: boolean, detail: string) => void,
  ) {}

  get isDown(): boolean {
    return this.down;
  }

  get lastAnswerAtMs(): number {
    return this.lastAnswerMs;
  }

  start(): void {
    this.lastAnswerMs = this.clock.now();
    // Checked a few times per period: the alarm comes within a fifth of a period of the deadline.
    this.timer ??= this.clock.setInterval(() => this.check(), Math.max(100, Math.min(1000, Math.floor(this.downAfterMs / 5)))).unref();
  }

  answered(atMs = this.clock.now()): void {
    this.lastAnswerMs = atMs;
    if (!this.down) return;
    this.down = false;
    this.onChange(true, 'answering again');
  }

  check(): void {
    if (this.down || this.clock.now() - this.lastAnswerMs < this.downAfterMs) return;
    this.down = true;
    this.onChange(false, `nothing acknowledged since ${new Date(this.lastAnswerMs).toISOString()} (${Math.round(this.downAfterMs / 1000)} s allowed)`);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
