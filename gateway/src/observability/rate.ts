/** A moving rate over the last `windowMs`, from a monotonically growing total. */
export class RateMeter {
  private samples: { atMs: number; total: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  sample(total: number, atMs: number): void {
    this.samples.push({ atMs, total });
    while (this.samples.length > 2 && atMs - this.samples[1]!.atMs >= this.windowMs) this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.atMs === first.atMs) return 0;
    return ((last.total - first.total) * 1000) / (last.atMs - first.atMs);
  }
}
