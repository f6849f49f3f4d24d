/**
 * pg-cursor ships no type declarations (DefinitelyTyped's lag behind its releases); this
 * declares the part the history route uses.
 */
declare module 'pg-cursor' {
  import type { Connection, Submittable } from 'pg';

  export default class Cursor<Row = Record<string, unknown>> implements Submittable {
    constructor(text: string, values?: unknown[]);
    submit(connection: Connection): void;
    /** The next `rows` rows; fewer (or none) once the result is exhausted. */
    read(rows: number): Promise<Row[]>;
    close(): Promise<void>;
  }
}
