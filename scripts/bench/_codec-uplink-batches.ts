/**
 * Cuts readings into batches the way the gateway's uplink does at given settings, so
 * `pnpm bench codec` measures the bytes of the batches a ward really sends: the outbox
 * builds a batch at a poll (every `pollIntervalMs`) once its oldest unsent reading has
 * waited `maxBatchAgeMs`, taking every reading received by then up to `maxBatchReadings`
 * (gateway/src/buffer/outbox.ts, gateway/src/uplink/uplink.ts). Alarms are left out: the
 * codec benchmark measures readings.
 */
import type { Batch, Reading } from '@wardlink/shared';

export interface UplinkBatching {
  maxBatchAgeMs: number;
  maxBatchReadings: number;
  pollIntervalMs: number;
}

export class UplinkBatcher {
  private pending: Reading[] = [];
  private pollAtMs: number;

  constructor(
    private readonly settings: UplinkBatching,
    private readonly gatewayId: string,
    startMs: number,
    private readonly seq: { next: number },
  ) {
    this.pollAtMs = startMs;
  }

  /**
   * Adds readings received before `untilMs` (in any order) and returns the batches built
   * at the polls before `untilMs`. Readings arriving later go to later calls.
   */
  advance(readings: readonly Reading[], untilMs: number): Batch[] {
    const arrived = [...readings].sort((a, b) => a.receivedAtMs - b.receivedAtMs);
    this.pending = this.pending.concat(arrived);
    const out: Batch[] = [];
    const { maxBatchAgeMs, maxBatchReadings, pollIntervalMs } = this.settings;
    for (; this.pollAtMs < untilMs; this.pollAtMs += pollIntervalMs) {
      const now = this.pollAtMs;
      for (;;) {
        let received = 0;
        while (received < this.pending.length && this.pending[received]!.receivedAtMs <= now) received++;
        if (received === 0) break;
        const full = received >= maxBatchReadings;
        if (!full && now - this.pending[0]!.receivedAtMs < maxBatchAgeMs) break;
        const take = Math.min(received, maxBatchReadings);
        out.push({ gatewayId: this.gatewayId, seq: this.seq.next++, createdAtMs: now, alarms: [], readings: this.pending.slice(0, take) });
        this.pending = this.pending.slice(take);
        if (!full) break;
      }
    }
    return out;
  }
}
