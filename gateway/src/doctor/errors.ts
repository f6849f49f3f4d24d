/**
 * The doctor's own errors. Checks never throw for what they find (that is a FAIL line);
 * these are what the command ends with, so that scripts get a stable code and exit code.
 */
import { WardlinkError } from '@wardlink/shared';
import type { CheckResult } from './types.js';

/** At least one check failed: exit 1 (EXIT.FAILURE), after the whole report was printed. */
export class DoctorFailedError extends WardlinkError {
  constructor(failed: readonly CheckResult[]) {
    const names = failed.map((c) => (c.subject === null ? c.code : `${c.code} ${c.subject}`));
    super('WL_DOCTOR_FAILED', `${failed.length} check(s) failed: ${names.join(', ')}; see the remedy on each FAIL line`, { failed: names });
  }
}

/** A cloud probe got no usable answer (network, TLS, timeout): carried inside a FAIL line. */
export class CloudProbeError extends WardlinkError {
  /** ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT, a TLS code...: what the line branches on. */
  readonly networkCode: string | null;
  constructor(what: string, reason: string, networkCode: string | null, options?: { cause?: unknown }) {
    super('WL_DOCTOR_CLOUD_PROBE', `${what}: ${reason}`, { networkCode }, options);
    this.networkCode = networkCode;
  }
}
