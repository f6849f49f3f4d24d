/**
 * Why a gateway's status document was refused. A status never touches the batch path:
 * these answer POST /v1/gateways/status only, and the gateway just counts them.
 */
import { ApiError } from '@wardlink/shared';

/** 400: not JSON, or a field of the wrong type or out of its bounds. */
export class FleetStatusInvalidError extends ApiError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_FLEET_STATUS_INVALID', 400, `the gateway status document is not acceptable: ${reason}`, detail);
  }
}

/** 413: a status document is a few hundred bytes; anything over the bound is refused unread. */
export class FleetStatusTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super('WL_FLEET_STATUS_TOO_LARGE', 413, `the gateway status document is larger than ${limitBytes} bytes`, { limitBytes });
  }
}

/** 403: the document names another gateway than the token's. */
export class FleetStatusGatewayMismatchError extends ApiError {
  constructor(tokenGatewayId: string, docGatewayId: string) {
    super('WL_FLEET_STATUS_GATEWAY_MISMATCH', 403, `the status names gateway "${docGatewayId}" but the token is gateway "${tokenGatewayId}"`, { tokenGatewayId, docGatewayId });
  }
}

/** 503: the database pool has waiters; the status waits for the next send rather than
 * compete with batches for a connection. */
export class FleetStatusDeferredError extends ApiError {
  constructor(retryAfterS: number) {
    super('WL_FLEET_STATUS_DEFERRED', 503, `the database is busy with batches; status not stored, send it again in ${retryAfterS} s`, {}, retryAfterS);
  }
}
