/**
 * The cloud CLI uses the CLI conventions shared with wardlink-gateway; a raw pg connection
 * error is first turned into WL_DB_UNAVAILABLE, so it gets its exit code (69) and advice.
 */
import { reportError as reportShared, type Out } from '@wardlink/shared';
import { toDatabaseError } from '../storage/db-errors.js';

export { EXIT, emit, exitCodeFor, processOut, table, type Out } from '@wardlink/shared';

export function reportError(out: Out, error: unknown): number {
  return reportShared(out, toDatabaseError(error));
}
