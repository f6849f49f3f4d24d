/**
 * HL7 v2 delimiters and escape sequences. The separators are whatever the message declares
 * in MSH-1 and MSH-2, never assumed: some devices use non-default ones.
 */
export interface Hl7Separators {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_SEPARATORS: Readonly<Hl7Separators> = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** Splits on a separator; an undeclared ('') separator never splits. */
export function splitOn(text: string, separator: string): string[] {
  return separator === '' ? [text] : text.split(separator);
}

/** Piece `index` (0-based) of `text` split on `separator`, without building the array
 * (the parser reads a few components of many fields). '' when there is no such piece. */
export function pieceOf(text: string, separator: string, index: number): string {
  if (separator === '' || !text.includes(separator)) return index === 0 ? text : '';
  let start = 0;
  for (let i = 0; i < index; i++) {
    const next = text.indexOf(separator, start);
    if (next < 0) return '';
    start = next + separator.length;
  }
  const end = text.indexOf(separator, start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}

function decodeHex(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex').toString('latin1');
}

/**
 * Decodes \F\ \S\ \T\ \R\ \E\ and \Xhh..\; drops the highlighting sequences \H\ and \N\;
 * turns \.br\ into a line break. An unknown or unterminated sequence is kept as written.
 */
export function unescapeHl7(text: string, sep: Hl7Separators): string {
  const esc = sep.escape;
  if (esc === '' || !text.includes(esc)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(esc, i);
    if (start < 0) break;
    const end = text.indexOf(esc, start + 1);
    if (end < 0) break;
    out += text.slice(i, start);
    const body = text.slice(start + 1, end);
    let decoded: string | undefined;
    switch (body) {
      case 'F': decoded = sep.field; break;
      case 'S': decoded = sep.component; break;
      case 'T': decoded = sep.subcomponent; break;
      case 'R': decoded = sep.repetition; break;
      case 'E': decoded = esc; break;
      case 'H': case 'N': decoded = ''; break;
      case '.br': decoded = '\n'; break;
      default: decoded = body.startsWith('X') ? decodeHex(body.slice(1)) : undefined;
    }
    if (decoded === undefined) {
      // Not a sequence we know: keep the escape character literally and carry on after it.
      out += esc;
      i = start + 1;
    } else {
      out += decoded;
      i = end + 1;
    }
  }
  return out + text.slice(i);
}

/** Escapes text for one HL7 field value; CR and LF become \X0D\ and \X0A\ so a value can
 * never end a segment. */
export function escapeHl7(text: string, sep: Hl7Separators = DEFAULT_SEPARATORS): string {
  const map = new Map<string, string>();
  if (sep.escape !== '') map.set(sep.escape, `${sep.escape}E${sep.escape}`);
  const e = sep.escape === '' ? '\\' : sep.escape;
  map.set(sep.field, `${e}F${e}`);
  if (sep.component !== '') map.set(sep.component, `${e}S${e}`);
  if (sep.subcomponent !== '') map.set(sep.subcomponent, `${e}T${e}`);
  if (sep.repetition !== '') map.set(sep.repetition, `${e}R${e}`);
  map.set('\r', `${e}X0D${e}`);
  map.set('\n', `${e}X0A${e}`);
  let out = '';
  for (const ch of text) out += map.get(ch) ?? ch;
  return out;
}
