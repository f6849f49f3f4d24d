/**
 * pg-cursor ships no type declarations (DefinitelyTyped's lag behind its releases); this
 * declares the part the history route uses.
 */
declare module 'pg-cursor' {
  import type { Connection, CustomTypesConfig, Submittable } from 'pg';

  export default class Cursor<Row = Record<string, unknown>> implements Submittable {
    /** `types`: parsers for this statement's columns instead of node-postgres' defaults. */
    constructor(text: string, values?: unknown[], config?: { types?: CustomTypesConfig; rowMode?: 'array' });
    submit(connection: Connection): void;
    /** The next `rows` rows; fewer (or none) once the result is exhausted. */
    read(rows: number): Promise<Row[]>;
    close(): Promise<void>;
  }
}
