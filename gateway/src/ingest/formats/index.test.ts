import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES, formatByName, isFormatName } from './index.js';

describe('format registry', () => {
  it('maps each configured name to a parser of that name', () => {
    expect(FORMAT_NAMES).toEqual(['hl7-mllp', 'ascii-kv', 'ascii-ts']);
    for (const name of FORMAT_NAMES) expect(formatByName(name)?.name).toBe(name);
  });

  it('knows nothing else, including inherited property names', () => {
    for (const name of ['csv', 'toString', '__proto__', 'constructor']) {
      expect(isFormatName(name)).toBe(false);
      expect(formatByName(name)).toBeUndefined();
    }
  });

  it('parses through the registry the same as directly', () => {
    const record = formatByName('ascii-kv')?.parse('SPO2=97 BPM=72', {});
    expect(record?.observations.map((o) => o.metric)).toEqual(['SPO2', 'PR']);
  });
});
