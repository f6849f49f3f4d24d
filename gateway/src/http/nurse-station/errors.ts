/**
 * Errors of the nurse-station's HTTP API. Each has a stable code and the HTTP status it
 * is answered with; the body is `{ error: { code, message, detail } }`.
 */
import { HttpError } from '../http-error.js';

export { BadJsonError, BodyTooLargeError, UnsupportedMediaTypeError } from '../http-error.js';

export abstract class NurseStationError extends HttpError {}

export class BadAlarmIdError extends NurseStationError {
  readonly status = 400;
  constructor() {
    super('WL_ACK_BAD_ALARM_ID', 'alarmId must be the id of an active alarm (1-128 letters, digits, ".", "_", ":" or "-")');
  }
}
