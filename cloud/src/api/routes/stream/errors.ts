/** Errors of the SSE stream route, with stable codes. */
import { ApiError } from '@wardlink/shared';

/** 503: this instance holds its bound of concurrent streams. Each stream holds a socket
 * and a queue for hours, so the bound protects memory and file descriptors; the
 * EventSource (or the load balancer) retries, possibly on another instance. */
export class TooManyStreamsError extends ApiError {
  constructor(maxStreams: number, retryAfterS = 5, hospitalId?: string) {
    super(
      'WL_API_TOO_MANY_STREAMS',
      503,
      hospitalId === undefined ? `this instance serves at most ${maxStreams} streams; retry after ${retryAfterS} s` : `this instance serves at most ${maxStreams} streams of hospital ${hospitalId}; close one, or retry after ${retryAfterS} s`,
      { maxStreams, ...(hospitalId === undefined ? {} : { hospitalId, scope: 'hospital' }) },
      retryAfterS,
    );
  }
}
