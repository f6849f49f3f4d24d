/**
 * The root of every Wardlink error. Callers branch on `code`, never on the message.
 * A message says what went wrong and what to do about it.
 */
export class WardlinkError extends Error {
  readonly code: string;
  /** Structured detail for logs and JSON output; never contains secrets. */
  readonly detail: Record<string, unknown>;

  constructor(code: string, message: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
  }

  toJSON(): { code: string; message: string; detail: Record<string, unknown> } {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

/** True when `err` is a Wardlink error with the given code. */
export function hasCode(err: unknown, code: string): err is WardlinkError {
  return err instanceof WardlinkError && err.code === code;
}
