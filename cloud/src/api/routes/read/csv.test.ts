import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from './csv.js';

describe('report CSV fields', () => {
  it('quotes commas, quotes and line breaks, and ends lines with CRLF', () => {
    expect(csvLine(['P,1', 'say "hi"', 'a\nb', null, 3.5])).toBe('"P,1","say ""hi""","a\nb",,3.5\r\n');
  });

  it('keeps text that looks like a formula as text, and negative numbers as numbers', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField('+41')).toBe("'+41");
    expect(csvField('-P7')).toBe("'-P7");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField('P0001')).toBe('P0001');
  });
});
