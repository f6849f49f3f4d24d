/**
 * A charge nurse pauses or resumes a bed's alarm sound at every nurse station:
 *
 *   POST /api/beds/audio-pause   {"bedId", "seconds"}   → 200 {pause}   (role charge)
 *   POST /api/beds/audio-resume  {"bedId"}              → 200 {resumed}
 *
 * 400 WL_AUDIO_PAUSE_TOO_LONG past `alarms.audioPauseMaxMs`, 404 WL_BED_NOT_FOUND for a bed
 * the ward does not have. Both are in the security audit with the signed-in staff id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AudioPauseTooLongError, type AudioPauses } from '../../alarms/audio-pause.js';
import type { SecurityLog } from '../../staff/index.js';
import type { Principal } from '../auth/principal.js';
import { HttpError } from '../http-error.js';
import { readJsonBody } from '../json-body.js';
import { sendJson } from '../server.js';

class BedNotFoundError extends HttpError {
  readonly status = 404;
  constructor(bedId: string) {
    super('WL_BED_NOT_FOUND', `no bed "${bedId.slice(0, 64)}" on this ward`, { bedId: bedId.slice(0, 64) });
  }
}

class TooLongError extends HttpError {
  readonly status = 400;
  constructor(inner: AudioPauseTooLongError) {
    super(inner.code, inner.message, inner.detail);
  }
}

export interface AudioRouteDeps {
  pauses: AudioPauses;
  /** A registered bed, or "-" (the gateway's own alarms). */
  knownBed: (bedId: string) => boolean;
  audit: SecurityLog;
}

function bedOf(body: Record<string, unknown>, deps: AudioRouteDeps): string {
  const bedId = typeof body.bedId === 'string' ? body.bedId : '';
  if (!deps.knownBed(bedId)) throw new BedNotFoundError(bedId);
  return bedId;
}

export function audioPauseHandler(deps: AudioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, _url: URL, who?: Principal): Promise<void> => {
    const body = await readJsonBody(req, 4096, 'send {"bedId": "...", "seconds": 120}');
    const bedId = bedOf(body, deps);
    const seconds = typeof body.seconds === 'number' ? body.seconds : deps.pauses.maxPauseMs / 1000;
    let pause;
    try {
      pause = deps.pauses.pause(bedId, who!.staffId, Math.round(seconds * 1000));
    } catch (err) {
      if (err instanceof AudioPauseTooLongError) throw new TooLongError(err);
      throw err;
    }
    deps.audit.record('audio-pause', { staffId: who!.staffId, detail: `bed ${bedId} for ${Math.round(seconds)} s` });
    sendJson(res, 200, { pause });
  };
}

export function audioResumeHandler(deps: AudioRouteDeps) {
  return async (req: IncomingMessage, res: ServerResponse, _url: URL, who?: Principal): Promise<void> => {
    const bedId = bedOf(await readJsonBody(req, 4096, 'send {"bedId": "..."}'), deps);
    const resumed = deps.pauses.resume(bedId);
    if (resumed) deps.audit.record('audio-resume', { staffId: who!.staffId, detail: `bed ${bedId}` });
    sendJson(res, 200, { resumed });
  };
}
