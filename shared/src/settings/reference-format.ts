/**
 * How the configuration reference writes one setting's type, unit and default: the unit
 * from the name's suffix (the tables put units in names), bounds and defaults also in
 * human terms (`1800000` is 30 min), Markdown-safe.
 */
import type { RuleDescription } from './describe.js';

/** Name suffix to unit, longest first where one ends another. */
const UNITS: readonly (readonly [RegExp, string])[] = [
  [/Ms$/, 'ms'],
  [/Bytes$/, 'bytes'],
  [/Minutes$/, 'minutes'],
  [/Days$/, 'days'],
  [/Years$/, 'years'],
  [/Pct$/, 'percent'],
  [/ReadingsPerS$/, 'readings per second'],
  [/PerS$/, 'per second'],
  [/Readings$/, 'readings'],
];

export function unitOf(path: string): string | undefined {
  const leaf = path.split('.').pop()!;
  return UNITS.find(([suffix]) => suffix.test(leaf))?.[1];
}

const DURATIONS: readonly (readonly [number, string])[] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];
const SIZES: readonly (readonly [number, string])[] = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

/** `1800000` ms as "30 min", `16777216` bytes as "16 MiB"; undefined when plain is clearer. */
export function humanAmount(n: number, unit: string | undefined): string | undefined {
  const steps = unit === 'ms' ? DURATIONS : unit === 'bytes' ? SIZES : undefined;
  if (steps === undefined || n === 0) return undefined;
  const step = steps.find(([size]) => n >= size && n % size === 0);
  return step === undefined ? undefined : `${n / step[0]} ${step[1]}`;
}

/** A number with its human form when it has one: `1800000 (30 min)`. */
export function amount(n: number, unit: string | undefined): string {
  const human = humanAmount(n, unit);
  return human === undefined ? `${n}` : `${n} (${human})`;
}

/** The rule's description as the Type column shows it. */
export function typeText(d: RuleDescription, unit: string | undefined): string {
  const parts = [d.type];
  if (d.min !== undefined && d.max !== undefined) {
    parts.push(d.max >= Number.MAX_SAFE_INTEGER ? `≥ ${amount(d.min, unit)}` : `${amount(d.min, unit)} – ${amount(d.max, unit)}`);
  }
  if (d.choices) parts.push(`one of ${d.choices.map(code).join(', ')}`);
  if (d.pattern !== undefined) parts.push(`matching ${code(d.pattern)}`);
  if (d.protocols) parts.push(d.protocols.join(' or '));
  if (d.note !== undefined) parts.push(d.note);
  return parts.join(', ');
}

/** Inline code that survives a Markdown table: pipes escaped, backticks fenced wider. */
export function code(value: string): string {
  const fence = value.includes('`') ? '``' : '`';
  return `${fence}${value}${fence}`;
}

/** A table cell: no line breaks, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
