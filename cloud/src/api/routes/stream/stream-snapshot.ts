/**
 * The snapshot a client gets when its stream opens: the hospital's dashboard, read from the
 * latest-vitals cache when it can answer or else in one query, and shared by every client
 * that opens while it is being read (single flight). Kept apart from stream-hub.ts, which
 * pushes the changes that follow; this runs once per opened stream (and per resync).
 */
import { cachedDashboard, DEFAULT_SINCE_S, queryDashboard } from '../read/dashboard.js';
import { sseFrame } from './sse-stream.js';
import type { HospitalState, SharedSnapshot, StreamHubDeps } from './stream-hub-types.js';

/** The hospital's dashboard: from the latest-vitals cache when it answers (strict: it has
 * then applied every change notified before the lookup; a change notified later reaches
 * the stream as an event, as with the database's snapshot), else in one query. */
export async function snapshotFrame(deps: StreamHubDeps, hospitalId: string): Promise<string> {
  const since = new Date(deps.clock.now() - DEFAULT_SINCE_S * 1000);
  const cached = await deps.latestCache?.lookup(hospitalId, { strict: true });
  deps.latestCache?.count('stream', cached?.result ?? 'bypass');
  const { rows: _rows, ...view } = cached ? await cachedDashboard(deps.pool, cached.data, hospitalId, since) : await queryDashboard(deps.pool, hospitalId, since);
  return sseFrame('snapshot', view);
}

/** The snapshot read under way for the hospital, or a new one; `missed`: the frames
 * sent between the start of that read and this call, which the new client has not got. */
export function joinSnapshot(deps: StreamHubDeps, hospitalId: string, state: HospitalState): { frame: Promise<string>; missed: () => string } {
  const shared = state.snapshot;
  if (shared?.joinable === true) {
    const upto = shared.sentSince.length;
    return { frame: shared.frame, missed: () => shared.sentSince.slice(0, upto).join('') };
  }
  const started: SharedSnapshot = { frame: Promise.resolve(''), sentSince: [], sentBytes: 0, joinable: true };
  started.frame = snapshotFrame(deps, hospitalId).finally(() => {
    if (state.snapshot === started) state.snapshot = undefined;
  });
  state.snapshot = started;
  return { frame: started.frame, missed: () => '' };
}
