/**
 * AUDIO PAUSED (IEC 60601-1-8): a charge nurse silences a bed's alarm sound at the nurse
 * stations for a bounded time, while the alarms stay visible, listed, escalated and
 * delivered to pagers. A pause ends:
 *  - at its end (`maxMs` at most, default 2 min, the usual monitor setting);
 *  - when a new alarm is raised on that bed (a new condition must be heard);
 *  - when someone resumes the sound.
 * Held in memory: a gateway restart ends every pause, which errs on the side of sound.
 */
import type { AlarmEvent, Clock } from '@wardlink/shared';
import { WardlinkError } from '@wardlink/shared';

export interface AudioPause {
  bedId: string;
  by: string;
  sinceMs: number;
  untilMs: number;
}

export class AudioPauseTooLongError extends WardlinkError {
  readonly status = 400;
  constructor(maxMs: number) {
    super('WL_AUDIO_PAUSE_TOO_LONG', `audio may be paused for ${Math.round(maxMs / 1000)} s at most (alarms.audioPauseMaxMs)`, { maxMs });
  }
}

export class AudioPauses {
  private readonly pauses = new Map<string, AudioPause>();
  private readonly listeners = new Set<(pauses: AudioPause[], change: { bedId: string; ended: 'resumed' | 'new-alarm' | 'expired' | null }) => void>();

  constructor(
    private readonly clock: Clock,
    private maxMs: number,
  ) {}

  setMaxMs(maxMs: number): void {
    this.maxMs = maxMs;
  }

  get maxPauseMs(): number {
    return this.maxMs;
  }

  pause(bedId: string, by: string, durationMs: number): AudioPause {
    if (!Number.isInteger(durationMs) || durationMs < 1000 || durationMs > this.maxMs) throw new AudioPauseTooLongError(this.maxMs);
    const now = this.clock.now();
    const pause = { bedId, by, sinceMs: now, untilMs: now + durationMs };
    this.pauses.set(bedId, pause);
    this.emit(bedId, null);
    return pause;
  }

  /** True when a pause was ended. */
  resume(bedId: string): boolean {
    if (!this.pauses.delete(bedId)) return false;
    this.emit(bedId, 'resumed');
    return true;
  }

  /** The pauses still running. */
  active(): AudioPause[] {
    this.expire();
    return [...this.pauses.values()];
  }

  /** Engine listener: a newly raised alarm ends its bed's pause. */
  readonly onAlarmEvent = (event: AlarmEvent): void => {
    if (event.phase === 'raised' && this.pauses.delete(event.bedId)) this.emit(event.bedId, 'new-alarm');
  };

  /** Ends pauses past their end; call it from a timer so pages hear the end on time. */
  expire(): void {
    const now = this.clock.now();
    for (const [bedId, p] of this.pauses) {
      if (p.untilMs > now) continue;
      this.pauses.delete(bedId);
      this.emit(bedId, 'expired');
    }
  }

  on(listener: (pauses: AudioPause[], change: { bedId: string; ended: 'resumed' | 'new-alarm' | 'expired' | null }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(bedId: string, ended: 'resumed' | 'new-alarm' | 'expired' | null): void {
    const list = [...this.pauses.values()];
    for (const l of this.listeners) l(list, { bedId, ended });
  }
}
