import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEPARATORS, escapeHl7, unescapeHl7, type Hl7Separators } from './encoding.js';

describe('HL7 escapes', () => {
  it('decodes the five delimiter escapes, hex, highlighting and line breaks', () => {
    expect(unescapeHl7('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f', DEFAULT_SEPARATORS)).toBe('a|b^c&d~e\\f');
    expect(unescapeHl7('\\X414243\\-\\H\\bold\\N\\-x\\.br\\y', DEFAULT_SEPARATORS)).toBe('ABC-bold-x\ny');
  });

  it('keeps unknown and unterminated sequences as written', () => {
    expect(unescapeHl7('50\\Q\\x', DEFAULT_SEPARATORS)).toBe('50\\Q\\x');
    expect(unescapeHl7('C:\\temp', DEFAULT_SEPARATORS)).toBe('C:\\temp');
    expect(unescapeHl7('\\X4\\', DEFAULT_SEPARATORS)).toBe('\\X4\\');
  });

  it('uses the declared escape character', () => {
    const sep: Hl7Separators = { field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '@' };
    expect(unescapeHl7('a!F!b!S!c!E!', sep)).toBe('a#b$c!');
    expect(escapeHl7('a#b$c!d\re', sep)).toBe('a!F!b!S!c!E!d!X0D!e');
  });

  it('round-trips any text through escape then unescape', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '|', '^', '~', '\\', '&', 'F', 'X', '0', '\r', '\n', 'é') }), (text) => {
        const escaped = escapeHl7(text);
        expect(escaped).not.toMatch(/[|^~&\r\n]/);
        expect(unescapeHl7(escaped, DEFAULT_SEPARATORS)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
