/**
 * Errors of the nurse-station's HTTP API. Each has a stable code and the HTTP status it
 * is answered with; the body is `{ error: { code, message, detail } }`.
 */
import { WardlinkError } from '@wardlink/shared';

export abstract class NurseStationError extends WardlinkError {
  abstract readonly status: number;
}

export class BodyTooLargeError extends NurseStationError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super('WL_HTTP_BODY_TOO_LARGE', `the request body is larger than ${limitBytes} bytes; send only the fields asked for`, { limitBytes });
  }
}

export class UnsupportedMediaTypeError extends NurseStationError {
  readonly status = 415;
  constructor(contentType: string | undefined) {
    super('WL_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with "content-type: application/json"', { contentType: contentType ?? null });
  }
}

export class BadJsonError extends NurseStationError {
  readonly status = 400;
  constructor() {
    super('WL_HTTP_BAD_JSON', 'the request body is not a JSON object; send {"alarmId": "...", "by": "..."}');
  }
}

export class BadAlarmIdError extends NurseStationError {
  readonly status = 400;
  constructor() {
    super('WL_ACK_BAD_ALARM_ID', 'alarmId must be the id of an active alarm (1-128 letters, digits, ".", "_", ":" or "-")');
  }
}

export class BadNurseIdError extends NurseStationError {
  readonly status = 400;
  constructor() {
    super('WL_ACK_BAD_NURSE_ID', 'by must be the nurse id: 1-64 letters or digits, with spaces, ".", "_", "@", "\'" or "-" inside');
  }
}
