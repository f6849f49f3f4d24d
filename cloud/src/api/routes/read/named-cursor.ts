/**
 * A pg-cursor Cursor over a NAMED prepared statement: parsed once per connection, then
 * only bound and executed, as node-postgres does for `{ name, text }` queries (pg-cursor
 * itself always parses an unnamed statement). PostgreSQL then skips parsing and
 * rewriting on every later request, and may reuse a plan (plan_cache_mode: it keeps
 * planning per request while a custom plan is cheaper, as when partition pruning by the
 * parameters matters).
 *
 * pg-cursor sends parse and bind itself; this subclass names them on the way, through
 * the connection of this one submit, and lets node-postgres record the statement as
 * parsed (client.js marks `parsedStatements[query.name]` on ParseComplete).
 */
import type { Connection } from 'pg';
import Cursor from 'pg-cursor';

interface StatementBook {
  parsedStatements: Record<string, string>;
  submittedNamedStatements?: Record<string, string>;
  parse(msg: { text: string; name?: string; types?: number[] }, more?: boolean): void;
  bind(msg: { portal?: string; statement?: string; values?: unknown[] }, more?: boolean): void;
}

export class NamedCursor<Row> extends Cursor<Row> {
  constructor(
    /** Unique per statement text: a connection holds one statement per name. */
    readonly name: string,
    private readonly sqlText: string,
    values: unknown[],
    config?: ConstructorParameters<typeof Cursor>[2],
  ) {
    super(sqlText, values, config);
  }

  override submit(connection: Connection): void {
    const con = connection as unknown as StatementBook;
    const parsed = con.parsedStatements[this.name] === this.sqlText || con.submittedNamedStatements?.[this.name] === this.sqlText;
    const { parse, bind } = con;
    con.parse = (msg, more) => (parsed ? undefined : parse.call(con, { ...msg, name: this.name }, more));
    con.bind = (msg, more) => bind.call(con, { ...msg, statement: this.name }, more);
    try {
      super.submit(connection);
    } finally {
      // Own properties shadowed the prototype's methods for this submit only.
      delete (con as Partial<StatementBook>).parse;
      delete (con as Partial<StatementBook>).bind;
    }
    if (!parsed && con.submittedNamedStatements) con.submittedNamedStatements[this.name] = this.sqlText;
  }
}
