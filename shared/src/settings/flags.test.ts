import { describe, expect, it } from 'vitest';
import { settingFlags, settingFlagValues } from './flags.js';
import type { Setting } from './table.js';

const rule = (raw: unknown) => raw;
const SETTINGS: Setting[] = [
  { path: 'http.port', env: 'T_HTTP_PORT', flag: '--http-port', default: 1, rule },
  { path: 'hl7.port', flag: '--hl7-port', default: 2, rule },
  { path: 'name', env: 'T_NAME', default: 'x', rule },
];

describe('settingFlags', () => {
  it('offers each flagged setting as an option taking one value, named as commander names it', () => {
    expect(settingFlags(SETTINGS)).toEqual([
      { path: 'http.port', usage: '--http-port <value>', description: 'set http.port for this command, over $T_HTTP_PORT and the config file', attribute: 'httpPort' },
      { path: 'hl7.port', usage: '--hl7-port <value>', description: 'set hl7.port for this command, over the config file', attribute: 'hl7Port' },
    ]);
  });

  it('reads the values given back by setting path, as typed, leaving out the flags not given', () => {
    expect(settingFlagValues(settingFlags(SETTINGS), { httpPort: '9000', json: true, name: 'y' })).toEqual({ 'http.port': '9000' });
  });
});
