/**
 * What a settings table allows in a config file: the setting paths, the sections that hold
 * them, and the closest known key for a typo. Computed once per table.
 */
import type { SettingsTable } from './table.js';

export interface TableShape {
  readonly paths: ReadonlySet<string>;
  /** Every proper prefix of a setting path, e.g. `http` and `http.tls` for `http.tls.certFile`. */
  readonly sections: ReadonlySet<string>;
  readonly optional: ReadonlySet<string>;
}

const shapes = new WeakMap<SettingsTable, TableShape>();

export function shapeOf(table: SettingsTable): TableShape {
  let shape = shapes.get(table);
  if (shape) return shape;
  const paths = new Set<string>();
  const sections = new Set<string>();
  for (const { path } of table.settings) {
    // A programming error in the table, not a bad config: fail loudly on first use.
    if (paths.has(path)) throw new Error(`settings table lists ${path} twice`);
    paths.add(path);
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) sections.add(parts.slice(0, i).join('.'));
  }
  for (const path of paths) if (sections.has(path)) throw new Error(`settings table: ${path} is both a setting and a section`);
  const optional = new Set(table.optionalSections ?? []);
  for (const section of optional) if (!sections.has(section)) throw new Error(`settings table: optional section ${section} holds no setting`);
  shape = { paths, sections, optional };
  shapes.set(table, shape);
  return shape;
}

/** The direct children of a section, for "must be an object of settings (a, b)" messages. */
export function childrenOf(shape: TableShape, section: string): string[] {
  const children = new Set<string>();
  for (const path of [...shape.paths, ...shape.sections]) {
    if (path.startsWith(`${section}.`)) children.add(path.slice(section.length + 1).split('.')[0]!);
  }
  return [...children];
}

/** The optional section `path` lies in, if any. */
export function optionalSectionOf(shape: TableShape, path: string): string | undefined {
  for (const section of shape.optional) if (path.startsWith(`${section}.`)) return section;
  return undefined;
}

/** The known key closest to a mistyped one, for "did you mean". A third of the last key's
 * letters may differ, so `maxBatchReading` finds its setting and `bogus` finds nothing. */
export function closestKey(shape: TableShape, path: string): string | undefined {
  const leaf = path.split('.').pop()!;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(leaf.length / 3)) + 1;
  for (const known of [...shape.paths, ...shape.sections]) {
    const d = editDistance(path.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

/** Edits between two keys, a swap of neighbours counting as one (`prot` for `port`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
