/**
 * CSV as RFC 4180 has it, for the reports spreadsheets and analysts open: comma
 * separated, CRLF line ends, a field quoted only when it holds a comma, quote or line
 * break (patient ids are printable but may contain commas or quotes).
 *
 * A TEXT field that starts with =, +, -, @, tab or carriage return is prefixed with a
 * single quote (OWASP's advice against CSV formula injection): a patient id such as
 * `=HYPERLINK(...)` must open as text in a spreadsheet, never as a formula. Numbers are
 * written as they are (a negative value stays a number).
 */
export const CSV = 'text/csv; charset=utf-8; header=present';

export function csvLine(fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
