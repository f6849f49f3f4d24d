/**
 * A reference evaluator for one (bed, metric, direction), written apart from the engine
 * to be obviously right rather than fast: it walks time one millisecond at a time and,
 * at each millisecond, applies in order (1) band activations whose delay has run out,
 * (2) the escalation, (3) a nurse's acknowledgement, (4) the sample. The property test
 * feeds the same stream to the engine and requires the same phases.
 */
import type { AlarmPhase, AlarmPriority } from '@wardlink/shared';

export interface RefBand {
  priority: AlarmPriority;
  limit: number;
  hysteresis: number;
  delayMs: number;
}

export interface RefSample {
  atMs: number;
  value: number;
  /** A flagged sample (invalid, sensor off, demo): no evidence about the patient. */
  flagged: boolean;
}

export interface RefPhase {
  phase: AlarmPhase;
  priority: AlarmPriority;
  atMs: number;
  value: number | null;
}

interface RefAlarm {
  priority: AlarmPriority;
  worst: number;
  present: boolean;
  acked: boolean;
  escalated: boolean;
  armedAt: number | null;
}

const URGENCY: Record<AlarmPriority, number> = { high: 3, medium: 2, low: 1 };

export function referencePhases(
  direction: 'low' | 'high',
  bands: readonly RefBand[],
  samples: readonly RefSample[],
  acksAtMs: readonly number[],
  opts: { escalateAfterMs: number; endMs: number },
): RefPhase[] {
  const isBeyond = (v: number, b: RefBand) => (direction === 'low' ? v < b.limit : v > b.limit);
  const isBackInside = (v: number, b: RefBand) => (direction === 'low' ? v >= b.limit + b.hysteresis : v <= b.limit - b.hysteresis);
  const isWorse = (v: number, than: number) => (direction === 'low' ? v < than : v > than);
  const state = bands.map(() => ({ active: false, pendingSince: null as number | null }));
  const out: RefPhase[] = [];
  // Held in an object so the closures below and the loop see one variable.
  const st = { alarm: null as RefAlarm | null };
  let lastClean: number | null = null;
  const byTime = new Map(samples.map((s) => [s.atMs, s]));
  const acks = new Set(acksAtMs);

  const mostUrgentActive = (): AlarmPriority | null => {
    let best: AlarmPriority | null = null;
    bands.forEach((b, i) => {
      if (state[i]!.active && (best === null || URGENCY[b.priority] > URGENCY[best])) best = b.priority;
    });
    return best;
  };

  const reconcile = (t: number, v: number) => {
    const top = mostUrgentActive();
    if (top === null) {
      if (st.alarm && st.alarm.present) {
        if (st.alarm.priority === 'high' && !st.alarm.acked) {
          st.alarm.present = false;
          out.push({ phase: 'updated', priority: st.alarm.priority, atMs: t, value: v });
        } else {
          out.push({ phase: 'cleared', priority: st.alarm.priority, atMs: t, value: v });
          st.alarm = null;
        }
      }
      return;
    }
    if (!st.alarm) {
      st.alarm = { priority: top, worst: v, present: true, acked: false, escalated: false, armedAt: top === 'high' ? t : null };
      out.push({ phase: 'raised', priority: top, atMs: t, value: v });
      return;
    }
    if (!st.alarm.present) {
      st.alarm.present = true;
      out.push({ phase: 'updated', priority: st.alarm.priority, atMs: t, value: v });
    }
    const rises = URGENCY[top] > URGENCY[st.alarm.priority];
    const worse = isWorse(v, st.alarm.worst);
    if (!rises && !worse) return;
    if (worse) st.alarm.worst = v;
    if (rises) {
      st.alarm.priority = top;
      st.alarm.acked = false;
      st.alarm.armedAt = top === 'high' && !st.alarm.escalated ? t : null;
    }
    out.push({ phase: 'updated', priority: st.alarm.priority, atMs: t, value: st.alarm.worst });
  };

  const first = samples[0]?.atMs ?? 0;
  for (let t = first; t <= opts.endMs; t++) {
    let activated = false;
    bands.forEach((b, i) => {
      const s = state[i]!;
      if (s.pendingSince !== null && t - s.pendingSince >= b.delayMs) {
        s.active = true;
        s.pendingSince = null;
        activated = true;
      }
    });
    if (activated && lastClean !== null) reconcile(t, lastClean);
    const a = st.alarm;
    if (a && a.armedAt !== null && !a.escalated && !a.acked && t - a.armedAt >= opts.escalateAfterMs) {
      a.escalated = true;
      a.armedAt = null;
      out.push({ phase: 'escalated', priority: a.priority, atMs: t, value: null });
    }
    if (acks.has(t) && st.alarm && !st.alarm.acked) {
      st.alarm.acked = true;
      st.alarm.armedAt = null;
      out.push({ phase: 'acknowledged', priority: st.alarm.priority, atMs: t, value: null });
      if (!st.alarm.present) {
        out.push({ phase: 'cleared', priority: st.alarm.priority, atMs: t, value: null });
        st.alarm = null;
      }
    }
    const sample = byTime.get(t);
    if (!sample) continue;
    if (sample.flagged) {
      for (const s of state) s.pendingSince = null;
      continue;
    }
    lastClean = sample.value;
    bands.forEach((b, i) => {
      const s = state[i]!;
      if (s.active) {
        if (isBackInside(sample.value, b)) s.active = false;
      } else if (isBeyond(sample.value, b)) {
        if (s.pendingSince === null) {
          if (b.delayMs === 0) s.active = true;
          else s.pendingSince = t;
        }
      } else {
        s.pendingSince = null;
      }
    });
    reconcile(t, sample.value);
  }
  return out;
}
