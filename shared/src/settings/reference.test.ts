import { describe, expect, it } from 'vitest';
import { describedRule, describeRule } from './describe.js';
import { settingsReference, type DocumentedSetting, type ReferenceInput } from './reference.js';
import type { SettingRule } from './table.js';

const plain: SettingRule = (raw) => raw;
const int = (min: number, max: number) => describedRule<SettingRule>((raw) => Number(raw), { type: 'integer', min, max });
const text = (pattern?: RegExp) => describedRule<SettingRule>((raw) => raw, { type: 'text', ...(pattern ? { pattern: pattern.source } : {}) });

const SETTINGS: DocumentedSetting[] = [
  { path: 'name', env: 'T_NAME', default: 'gw', rule: text(/^a|b$/) },
  { path: 'server.idleMs', env: 'T_IDLE_MS', flag: '--idle-ms', default: 1_800_000, rule: int(60_000, 43_200_000) },
  { path: 'server.maxBytes', default: 2 * 1024 ** 3, rule: int(16 * 1024 ** 2, Number.MAX_SAFE_INTEGER) },
  { path: 'bridge.url', rule: text() },
  { path: 'bridge.clientId', default: (v: (p: string) => unknown) => `c-${String(v('name'))}`, rule: text() },
  { path: 'bridge.password', optional: true, secret: true, rule: text() },
  { path: 'token', default: 'default-secret-value', secret: true, rule: text() },
];
const DOCS = Object.fromEntries(SETTINGS.map((s) => [s.path, `what ${s.path} does`]));

const input = (over: Partial<ReferenceInput> = {}): ReferenceInput => ({
  title: 'T reference',
  intro: 'Flags over the environment.',
  settings: SETTINGS,
  optionalSections: ['bridge'],
  docs: DOCS,
  docsFile: 't/settings-docs.ts',
  withoutDefault: 'required',
  ...over,
});

const rowOf = (markdown: string, path: string) => markdown.split('\n').find((l) => l.startsWith(`| \`${path}\``))!;
const cellsOf = (row: string) => row.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());

describe('describedRule', () => {
  it('keeps the rule itself and remembers what it accepts', () => {
    const rule = int(1, 5);
    expect(rule('3', {} as never)).toBe(3);
    expect(describeRule(rule)).toEqual({ type: 'integer', min: 1, max: 5 });
    expect(describeRule(plain)).toBeUndefined();
    expect(describeRule('not a rule')).toBeUndefined();
  });
});

describe('settingsReference', () => {
  it('writes type, unit, default, variable and flag from the table', () => {
    const { markdown, problems } = settingsReference(input());
    expect(problems).toEqual([]);
    expect(markdown.startsWith('# T reference\n\nFlags over the environment.')).toBe(true);
    expect(cellsOf(rowOf(markdown, 'server.idleMs'))).toEqual([
      '`server.idleMs`',
      'integer, 60000 (1 min) – 43200000 (12 h)',
      'ms',
      '`1800000` (30 min)',
      '`T_IDLE_MS`',
      '`--idle-ms`',
      'what server.idleMs does',
    ]);
    expect(cellsOf(rowOf(markdown, 'server.maxBytes')).slice(1, 4)).toEqual(['integer, ≥ 16777216 (16 MiB)', 'bytes', '`2147483648` (2 GiB)']);
  });

  it('names the command that takes the flags, when only one does', () => {
    expect(cellsOf(rowOf(settingsReference(input({ flagCommand: 'serve' })).markdown, 'server.idleMs'))[5]).toBe('`serve --idle-ms`');
  });

  it('escapes pipes, so a pattern cannot break the table', () => {
    const cells = cellsOf(rowOf(settingsReference(input()).markdown, 'name'));
    expect(cells).toHaveLength(7);
    expect(cells[1]).toBe('text, matching `^a\\|b$`');
  });

  it('names what a computed default is made from, and which keys are required in an optional section', () => {
    const { markdown } = settingsReference(input());
    expect(markdown).toContain('## `bridge` (optional section)');
    expect(cellsOf(rowOf(markdown, 'bridge.clientId'))[3]).toBe('`c-{name}` (derived from name)');
    expect(cellsOf(rowOf(markdown, 'bridge.url'))[3]).toBe('required');
    expect(cellsOf(rowOf(settingsReference(input({ withoutDefault: 'unset' })).markdown, 'bridge.url'))[3]).toBe('unset');
    const arithmetic: DocumentedSetting = {
      path: 'twice',
      rule: text(),
      default: (v: (p: string) => unknown) => {
        if (typeof v('name') !== 'number') throw new Error('needs a number');
        return 0;
      },
    };
    const more = settingsReference(input({ settings: [...SETTINGS, arithmetic], docs: { ...DOCS, twice: 'two of them' } }));
    expect(cellsOf(rowOf(more.markdown, 'twice'))[3]).toBe('computed (derived from name)');
  });

  it('never prints a secret default', () => {
    const { markdown } = settingsReference(input());
    expect(markdown).not.toContain('default-secret-value');
    expect(cellsOf(rowOf(markdown, 'token'))[3]).toBe('set (not shown)');
    expect(cellsOf(rowOf(markdown, 'bridge.password'))[1]).toContain('secret');
  });

  it('reports a setting without a description, a rule without a type, and a description of no setting', () => {
    const docs: Record<string, string> = { ...DOCS };
    delete docs['server.idleMs'];
    docs['server.removed'] = 'once a setting';
    const { problems } = settingsReference(input({ docs, settings: [...SETTINGS, { path: 'extra', default: 1, rule: plain }] }));
    expect(problems).toEqual([
      'server.removed: described in t/settings-docs.ts but not a setting',
      'server.idleMs: no description; add one to t/settings-docs.ts',
      'extra: no description; add one to t/settings-docs.ts',
      'extra: its rule does not describe itself; give a type in t/settings-docs.ts',
    ]);
    const typed = settingsReference(input({ docs: { ...DOCS, extra: { text: 'an extra', type: 'list of beds' } }, settings: [...SETTINGS, { path: 'extra', default: 1, rule: plain }] }));
    expect(typed.problems).toEqual([]);
    expect(cellsOf(rowOf(typed.markdown, 'extra'))[1]).toBe('list of beds');
  });
});
