/**
 * CSV as RFC 4180 has it, for the reports spreadsheets and analysts open: comma
 * separated, CRLF line ends, a field quoted only when it holds a comma, quote or line
 * break (patient ids are printable but may contain commas or quotes).
 */
export const CSV = 'text/csv; charset=utf-8; header=present';

export function csvLine(fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
