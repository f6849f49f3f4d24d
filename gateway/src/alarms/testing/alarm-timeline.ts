/**
 * Turns recorded alarm phases into per-condition timelines, for ground-truth checks:
 * when each condition was alarming, at which priority, and the moments it was (re)armed.
 */
import type { AlarmEvent, AlarmPriority } from '@wardlink/shared';

const RANK: Record<AlarmPriority, number> = { high: 0, medium: 1, low: 2 };

export interface Segment {
  alarmId: string;
  fromMs: number;
  /** Exclusive; Infinity while still alarming at the end of the run. */
  toMs: number;
  priority: AlarmPriority;
}

/** A moment the engine decided a condition holds: a raise, a priority rise, or a latched
 * alarm's condition coming back. Each must be explained by a crossing. */
export interface Activation {
  alarmId: string;
  atMs: number;
  priority: AlarmPriority;
  kind: 'raised' | 'rise' | 'returned';
}

export interface Timeline {
  segments: Segment[];
  activations: Activation[];
}

export function timelines(events: readonly AlarmEvent[], keyOf: (e: AlarmEvent) => string): Map<string, Timeline> {
  const out = new Map<string, Timeline>();
  const open = new Map<string, { seg: Segment; present: boolean; key: string }>();
  for (const e of events) {
    const key = keyOf(e);
    let t = out.get(key);
    if (!t) out.set(key, (t = { segments: [], activations: [] }));
    const cur = open.get(e.alarmId);
    if (e.phase === 'raised') {
      const seg = { alarmId: e.alarmId, fromMs: e.timeMs, toMs: Infinity, priority: e.priority };
      t.segments.push(seg);
      t.activations.push({ alarmId: e.alarmId, atMs: e.timeMs, priority: e.priority, kind: 'raised' });
      open.set(e.alarmId, { seg, present: true, key });
      continue;
    }
    if (!cur) continue;
    if (RANK[e.priority] < RANK[cur.seg.priority]) {
      cur.seg.toMs = e.timeMs;
      const seg = { alarmId: e.alarmId, fromMs: e.timeMs, toMs: Infinity, priority: e.priority };
      t.segments.push(seg);
      t.activations.push({ alarmId: e.alarmId, atMs: e.timeMs, priority: e.priority, kind: 'rise' });
      cur.seg = seg;
    }
    if (e.phase === 'updated') {
      // A latched alarm whose condition ended is not counted as alarming for the condition.
      const present = !e.message.includes('(condition ended;');
      if (present && !cur.present) {
        const seg = { alarmId: e.alarmId, fromMs: e.timeMs, toMs: Infinity, priority: e.priority };
        t.segments.push(seg);
        t.activations.push({ alarmId: e.alarmId, atMs: e.timeMs, priority: e.priority, kind: 'returned' });
        cur.seg = seg;
      } else if (!present && cur.present) {
        cur.seg.toMs = e.timeMs;
      }
      cur.present = present;
    }
    if (e.phase === 'cleared') {
      if (cur.present) cur.seg.toMs = e.timeMs;
      open.delete(e.alarmId);
    }
  }
  return out;
}

/** True when some segment at `priority` or more urgent overlaps [fromMs, toMs]. */
export function alarmingWithin(t: Timeline | undefined, priority: AlarmPriority, fromMs: number, toMs: number): boolean {
  return (t?.segments ?? []).some((s) => RANK[s.priority] <= RANK[priority] && s.fromMs <= toMs && s.toMs > fromMs);
}
