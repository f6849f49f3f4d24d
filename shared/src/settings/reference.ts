/**
 * A daemon's configuration reference in Markdown, generated from its settings table, so
 * the document cannot drift from the code: per key its type and bounds (from the rule's
 * own description), unit, default, variable, flag, and a one-line description kept in a
 * file next to the table. What cannot be documented (a key without a description, a rule
 * that does not describe itself) is returned as a problem, for a test to fail on.
 */
import { describeRule } from './describe.js';
import { cell, code, humanAmount, typeText, unitOf } from './reference-format.js';

/** The part of a table entry the reference reads; both daemons' tables fit it. */
export interface DocumentedSetting {
  readonly path: string;
  readonly env?: string;
  readonly flag?: string;
  readonly rule: unknown;
  readonly default?: unknown;
  readonly optional?: boolean;
  readonly secret?: boolean;
}

/** A description, and what the table cannot say itself. */
export interface SettingDoc {
  /** One line: what the setting does, as the code that reads it does it. */
  readonly text: string;
  /** The type, for a rule that does not describe itself (a domain rule). */
  readonly type?: string;
  /** The default in words, where the table's value needs explaining (null, computed later). */
  readonly default?: string;
}

export interface ReferenceInput {
  readonly title: string;
  /** Markdown put under the title: precedence, config file, unknown keys. */
  readonly intro: string;
  readonly settings: readonly DocumentedSetting[];
  readonly optionalSections?: readonly string[];
  readonly docs: Readonly<Record<string, string | SettingDoc>>;
  /** The descriptions file, named in problems and in the document's footer. */
  readonly docsFile: string;
  /** What an entry with no default and not optional is: refused when missing, or just unset. */
  readonly withoutDefault: 'required' | 'unset';
  /** The command that takes the table's flags, when not every command does (the cloud's
   * `serve`): the Flag column then reads `serve --port`. */
  readonly flagCommand?: string;
}

export interface SettingsReference {
  readonly markdown: string;
  /** Empty when every setting is fully documented. */
  readonly problems: readonly string[];
}

export function settingsReference(input: ReferenceInput): SettingsReference {
  const problems = problemsOf(input);

  const sections = new Map<string, DocumentedSetting[]>();
  for (const s of input.settings) {
    const key = sectionOf(s.path, input.optionalSections ?? []);
    sections.set(key, [...(sections.get(key) ?? []), s]);
  }
  const lines = [`# ${input.title}`, '', input.intro.trim(), ''];
  for (const [section, settings] of inReadingOrder(sections)) {
    lines.push(...sectionHead(section, input.optionalSections ?? []), '');
    lines.push('| Key | Type | Unit | Default | Environment | Flag | Description |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const s of settings) lines.push(row(s, input));
    lines.push('');
  }
  lines.push(`Generated from the settings table and ${code(input.docsFile)} by \`pnpm config-docs\`; do not edit by hand.`, '');
  return { markdown: lines.join('\n'), problems };
}

/** Sections in table order, except that an optional section follows its parent's keys
 * (`alarms.forward` after `alarms`, even when the table lists the forward first). */
function inReadingOrder(sections: Map<string, DocumentedSetting[]>): [string, DocumentedSetting[]][] {
  const tops = [...sections.keys()].map((s) => s.split('.')[0]!);
  const rank = (section: string) => tops.indexOf(section.split('.')[0]!);
  return [...sections].sort(([a], [b]) => rank(a) - rank(b) || Number(a.includes('.')) - Number(b.includes('.')));
}

/** The optional section a key lies in, else its first segment; top-level keys: "". */
function sectionOf(path: string, optional: readonly string[]): string {
  const within = optional.filter((o) => path.startsWith(`${o}.`)).sort((a, b) => b.length - a.length)[0];
  if (within !== undefined) return within;
  return path.includes('.') ? path.split('.')[0]! : '';
}

function sectionHead(section: string, optional: readonly string[]): string[] {
  if (section === '') return ['## Top-level keys'];
  if (!optional.includes(section)) return [`## ${code(section)}`];
  return [
    `## ${code(section)} (optional section)`,
    '',
    `Off (null) unless the file gives ${code(section)} as an object, or a variable or flag sets a key under it; \`false\` or \`null\` switches it off. "Required" below means required when the section is on.`,
  ];
}

/** What keeps the reference from being complete, in table order. */
function problemsOf(input: ReferenceInput): string[] {
  const problems: string[] = [];
  const paths = new Set(input.settings.map((s) => s.path));
  for (const path of Object.keys(input.docs)) if (!paths.has(path)) problems.push(`${path}: described in ${input.docsFile} but not a setting`);
  for (const s of input.settings) {
    const doc = docOf(input, s.path);
    if (doc === undefined || doc.text.trim() === '') problems.push(`${s.path}: no description; add one to ${input.docsFile}`);
    if (describeRule(s.rule) === undefined && doc?.type === undefined) problems.push(`${s.path}: its rule does not describe itself; give a type in ${input.docsFile}`);
  }
  return problems;
}

function docOf(input: ReferenceInput, path: string): SettingDoc | undefined {
  const given = input.docs[path];
  return typeof given === 'string' ? { text: given } : given;
}

function row(s: DocumentedSetting, input: ReferenceInput): string {
  const doc = docOf(input, s.path);
  const unit = unitOf(s.path);
  const described = describeRule(s.rule);
  let type = doc?.type ?? (described ? typeText(described, unit) : '?');
  if (s.secret) type += ' (secret: never logged or shown)';
  const flag = s.flag === undefined ? undefined : input.flagCommand === undefined ? s.flag : `${input.flagCommand} ${s.flag}`;
  const cells = [
    code(s.path),
    type,
    unit ?? '',
    doc?.default ?? defaultText(s, unit, input.withoutDefault),
    s.env === undefined ? '' : code(s.env),
    flag === undefined ? '' : code(flag),
    doc?.text ?? '_(no description)_',
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function defaultText(s: DocumentedSetting, unit: string | undefined, withoutDefault: 'required' | 'unset'): string {
  if (!Object.hasOwn(s, 'default') || s.default === undefined) return s.optional || withoutDefault === 'unset' ? 'unset' : 'required';
  const value = s.default;
  // A secret's default is never printed, even in the docs.
  if (s.secret) return value === null ? 'unset (null)' : 'set (not shown)';
  if (typeof value === 'function') return derivedDefault(value as (get: (path: string) => unknown) => unknown);
  if (typeof value === 'number') {
    const human = humanAmount(value, unit);
    return code(`${value}`) + (human === undefined ? '' : ` (${human})`);
  }
  // A text as typed in a variable; JSON (quotes, brackets) for the rest and the empty text.
  return code(typeof value === 'string' && value !== '' ? value : JSON.stringify(value));
}

/** A default computed from other settings, shown with their names in braces. */
function derivedDefault(compute: (get: (path: string) => unknown) => unknown): string {
  const used: string[] = [];
  let shown: unknown;
  try {
    shown = compute((path) => {
      used.push(path);
      return `{${path}}`;
    });
  } catch {
    // A computation that needs real values (arithmetic): name its inputs only; a
    // `default` in the descriptions file can say more.
    shown = undefined;
  }
  const from = used.length === 0 ? '' : ` (derived from ${used.join(', ')})`;
  if (typeof shown !== 'string') return `computed${from}`;
  return `${code(shown)}${from}`;
}
