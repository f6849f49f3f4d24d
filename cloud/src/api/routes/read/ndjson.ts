/** NDJSON (one JSON value per line), the format of the streamed read answers. */
export const NDJSON = 'application/x-ndjson; charset=utf-8';

export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
