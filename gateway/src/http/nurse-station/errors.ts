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

/** `GET /api/trend`: a query parameter out of its bounds (which one is in `detail.param`). */
export class BadTrendQueryError extends NurseStationError {
  readonly status = 400;
  constructor(param: 'bed' | 'hours' | 'metric', rule: string) {
    super('WL_TREND_BAD_QUERY', `${param} ${rule}; ask GET /api/trend?bed=bed-01&hours=1|24[&metric=HR]`, { param });
  }
}

/** `GET /api/trend` for a bed this ward does not have. */
export class TrendBedNotFoundError extends NurseStationError {
  readonly status = 404;
  constructor(bedId: string) {
    super('WL_BED_NOT_FOUND', `no bed "${bedId}" on this ward`, { bedId });
  }
}
