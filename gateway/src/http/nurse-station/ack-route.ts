/**
 * `POST /api/alarms/ack` with `{"alarmId": "...", "by": "<nurse id>"}`: a nurse
 * acknowledges an alarm from the page. The engine records the `acknowledged` phase with
 * the nurse as actor in the audit trail. Answers 200 with the event, or an error body
 * with a stable code: 400 bad input, 404 no such active alarm, 409 already acknowledged,
 * 413 body too large, 415 not JSON. Requiring JSON also keeps other sites' plain form
 * posts out (a cross-origin JSON post needs a CORS preflight, which is never granted).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasCode, type AlarmEvent } from '@wardlink/shared';
import { sendJson } from '../server.js';
import { BadAlarmIdError, BadJsonError, BadNurseIdError, BodyTooLargeError, NurseStationError, UnsupportedMediaTypeError } from './errors.js';

const MAX_BODY_BYTES = 4096;
const ALARM_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NURSE_ID = /^[\p{L}\p{N}](?:[\p{L}\p{N} ._@'-]{0,62}[\p{L}\p{N}])?$/u;

export type Acknowledge = (alarmId: string, by: string) => AlarmEvent;

export async function readJsonBody(req: IncomingMessage, limitBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) throw new UnsupportedMediaTypeError(type);
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadJsonError();
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadJsonError();
  return body as Record<string, unknown>;
}

export function parseAck(body: Record<string, unknown>): { alarmId: string; by: string } {
  const { alarmId, by } = body;
  if (typeof alarmId !== 'string' || !ALARM_ID.test(alarmId)) throw new BadAlarmIdError();
  const nurse = typeof by === 'string' ? by.trim() : '';
  if (!NURSE_ID.test(nurse)) throw new BadNurseIdError();
  return { alarmId, by: nurse };
}

export function ackHandler(acknowledge: Acknowledge) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const { alarmId, by } = parseAck(await readJsonBody(req));
      sendJson(res, 200, { event: acknowledge(alarmId, by) });
    } catch (err) {
      if (err instanceof NurseStationError) {
        if (err.status === 413) res.setHeader('connection', 'close'); // do not read the rest
        sendJson(res, err.status, { error: err.toJSON() });
      } else if (hasCode(err, 'WL_ALARM_NOT_FOUND')) sendJson(res, 404, { error: err.toJSON() });
      else if (hasCode(err, 'WL_ALARM_ALREADY_ACKNOWLEDGED')) sendJson(res, 409, { error: err.toJSON() });
      else throw err;
    }
  };
}
