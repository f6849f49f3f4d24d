/**
 * The uplink's errors. A failed upload is one `UplinkSendError` whose `kind` says what
 * the uploader does with the batch, and whose `code` is the cloud's own (WL_API_*,
 * WL_CODEC_*, WL_DB_UNAVAILABLE) when it answered, or a local WL_UPLINK_* code when it
 * did not (network, timeout, TLS). Callers branch on `kind` and `code`, never on text.
 */
import { WardlinkError } from '@wardlink/shared';

/**
 * - `retry`: keep the batch pending and send it again after a backoff (network errors,
 *   timeouts, 5xx, 429/503 with Retry-After).
 * - `reject`: the cloud will never accept this batch as it is (400 corrupt, 413, 422):
 *   quarantine it, count it, tell IT.
 * - `halt`: the cloud refuses this gateway, not this batch (401, 403, a wrong URL): stop
 *   sending, keep every reading, tell IT; probe again now and then.
 */
export type SendFailureKind = 'retry' | 'reject' | 'halt';

export interface SendFailureDetail {
  /** HTTP status, or null when no answer came back. */
  status: number | null;
  /** How long the cloud asked us to wait (Retry-After), ms; null when it did not say. */
  retryAfterMs: number | null;
  /** The cloud's error message and trace id, kept for logs and `status`. */
  remoteMessage?: string;
  remoteTraceId?: string;
  /** WL_API_BATCH_SEQ_REUSED: the highest sequence the cloud holds of this gateway. */
  highestSeq?: number;
  /** The network error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT...). */
  networkCode?: string;
}

export class UplinkSendError extends WardlinkError {
  readonly kind: SendFailureKind;
  readonly status: number | null;
  readonly retryAfterMs: number | null;

  constructor(code: string, kind: SendFailureKind, message: string, detail: SendFailureDetail, options?: { cause?: unknown }) {
    super(code, message, { kind, ...detail }, options);
    this.kind = kind;
    this.status = detail.status;
    this.retryAfterMs = detail.retryAfterMs;
  }
}

/** An uplink option (from config or a caller) is invalid. Names the field and the rule. */
export class UplinkOptionError extends WardlinkError {
  constructor(field: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_UPLINK_BAD_OPTION', `uplink option ${field} ${rule}${shown}; fix it in the cloud.* settings`, { field });
  }
}

/** A TLS file named in the config (CA, client certificate or key) cannot be read. */
export class UplinkTlsFileError extends WardlinkError {
  constructor(field: string, path: string, reason: string, options?: { cause?: unknown }) {
    super('WL_UPLINK_TLS_FILE', `${field} ${path} cannot be read (${reason}); fix the path or the file's permissions`, { field, path }, options);
  }
}
