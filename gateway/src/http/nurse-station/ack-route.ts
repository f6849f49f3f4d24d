/**
 * `POST /api/alarms/ack` with `{"alarmId": "..."}`: a signed-in nurse acknowledges an alarm
 * from the page. The engine records the `acknowledged` phase with the signed-in staff id as
 * actor in the audit trail: never a typed name. Answers 200 with the event, or an error
 * body with a stable code: 400 bad input, 404 no such active alarm, 409 already
 * acknowledged, 413 body too large, 415 not JSON (and 401/403 from the server's checks).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasCode, type AlarmEvent } from '@wardlink/shared';
import type { Principal } from '../auth/principal.js';
import { readJsonBody } from '../json-body.js';
import { sendJson } from '../server.js';
import { BadAlarmIdError } from './errors.js';

const ALARM_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type Acknowledge = (alarmId: string, by: string) => AlarmEvent;

export function parseAck(body: Record<string, unknown>): { alarmId: string } {
  const { alarmId } = body;
  if (typeof alarmId !== 'string' || !ALARM_ID.test(alarmId)) throw new BadAlarmIdError();
  return { alarmId };
}

export function ackHandler(acknowledge: Acknowledge) {
  return async (req: IncomingMessage, res: ServerResponse, _url: URL, principal?: Principal): Promise<void> => {
    const { alarmId } = parseAck(await readJsonBody(req));
    try {
      sendJson(res, 200, { event: acknowledge(alarmId, principal!.staffId) });
    } catch (err) {
      if (hasCode(err, 'WL_ALARM_NOT_FOUND')) sendJson(res, 404, { error: err.toJSON() });
      else if (hasCode(err, 'WL_ALARM_ALREADY_ACKNOWLEDGED')) sendJson(res, 409, { error: err.toJSON() });
      else throw err;
    }
  };
}
