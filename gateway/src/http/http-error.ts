/**
 * An error the gateway's HTTP port answers with its own status. The body is always
 * `{ error: { code, message, detail } }`; `headers` adds what the status needs
 * (`retry-after` on 429, `www-authenticate` on 401).
 */
import { WardlinkError } from '@wardlink/shared';

export abstract class HttpError extends WardlinkError {
  abstract readonly status: number;
  headers(): Record<string, string> {
    return {};
  }
}

export class BodyTooLargeError extends HttpError {
  readonly status = 413;
  constructor(limitBytes: number) {
    super('WL_HTTP_BODY_TOO_LARGE', `the request body is larger than ${limitBytes} bytes; send only the fields asked for`, { limitBytes });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly status = 415;
  constructor(contentType: string | undefined) {
    super('WL_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with "content-type: application/json"', { contentType: contentType ?? null });
  }
}

export class BadJsonError extends HttpError {
  readonly status = 400;
  constructor(expected = 'send {"alarmId": "..."}') {
    super('WL_HTTP_BAD_JSON', `the request body is not the JSON object asked for; ${expected}`);
  }
}
