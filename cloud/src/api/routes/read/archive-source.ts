/**
 * An archive read (chunks from DuckDB) as a RowSource: started on the first read, and
 * its failures (the store unreachable, an object missing or not its manifest's bytes,
 * DuckDB unable to read it) answered as 503 WL_HISTORY_ARCHIVE_UNAVAILABLE rather than
 * as a bug.
 */
import { ApiError, DatabaseUnavailableError } from '@wardlink/shared';
import { ArchiveUnavailableError } from './history-errors.js';
import type { RowSource } from './row-source.js';

export function archiveSource<Row>(what: string, open: () => AsyncGenerator<Row[]>): RowSource<Row> {
  let chunks: AsyncGenerator<Row[]> | undefined;
  return {
    async next() {
      try {
        chunks ??= open();
        const step = await chunks.next();
        return step.done === true ? [] : step.value;
      } catch (err) {
        if (err instanceof ApiError || err instanceof DatabaseUnavailableError) throw err;
        throw new ArchiveUnavailableError(`${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
    },
    async close() {
      // Ends the generator, which deletes any downloaded copy of the objects.
      await chunks?.return(undefined).catch(() => undefined);
    },
  };
}
