/**
 * A nested settings object (a config file's JSON, or a daemon's explicit overrides) as
 * values by setting path. Unknown keys are refused, naming the closest known one, so a typo
 * never passes as "not set".
 */
import { ConfigError } from '../errors/index.js';
import { childrenOf, closestKey, shapeOf } from './shape.js';
import type { SettingsTable } from './table.js';

export interface FlatSettings {
  /** Value by setting path, as given (null included). */
  readonly leaves: Map<string, unknown>;
  /** Optional sections given as objects. */
  readonly on: Set<string>;
}

/** `where` names the input in messages ("in /etc/wardlink/cloud.json", "in the overrides"). */
export function flattenSettings(table: SettingsTable, input: Readonly<Record<string, unknown>>, where?: string): FlatSettings {
  const inWhere = where === undefined ? '' : ` in ${where}`;
  const shape = shapeOf(table);
  const ignored = new Set(table.ignoredKeys ?? []);
  const out: FlatSettings = { leaves: new Map(), on: new Set() };
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string): void => {
    for (const [key, v] of Object.entries(obj)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (prefix === '' && ignored.has(key)) continue;
      if (shape.paths.has(path)) {
        out.leaves.set(path, v);
        continue;
      }
      if (!shape.sections.has(path)) {
        const guess = closestKey(shape, path);
        throw new ConfigError(path, `is not a known setting${inWhere}${guess ? `; did you mean ${guess}?` : ''}`);
      }
      // A section given as null is an empty one (defaults); `false` switches an optional one off.
      if (v === undefined || v === null || (v === false && shape.optional.has(path))) continue;
      if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path, `must be an object of settings${inWhere} (${childrenOf(shape, path).join(', ')})`, v);
      if (shape.optional.has(path)) out.on.add(path);
      walk(v as Record<string, unknown>, path);
    }
  };
  walk(input, '');
  return out;
}
