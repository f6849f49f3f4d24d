/**
 * From resolved values to the config object the daemon uses, and back to a printable view.
 * Secrets are non-enumerable properties: code reads them as usual, but JSON.stringify,
 * pino and util.inspect skip them, so they never reach a log line or a JSON dump.
 */
import type { ResolvedSettings } from './resolve.js';
import { shapeOf, optionalSectionOf } from './shape.js';
import type { SettingsTable } from './table.js';

type Tree = Record<string, unknown>;

/** Nests the values by path; an optional section that is off becomes null. */
export function buildSettings(table: SettingsTable, resolved: ResolvedSettings): Tree {
  const shape = shapeOf(table);
  const root: Tree = {};
  for (const s of table.settings) {
    // Walking the table (not the map) keeps the table's order in the object, and so in
    // `config show`.
    const section = optionalSectionOf(shape, s.path);
    if (section !== undefined && resolved.off.has(section)) {
      const { parent, leaf } = slot(root, section);
      if (!Object.hasOwn(parent, leaf)) parent[leaf] = null;
      continue;
    }
    if (!resolved.values.has(s.path)) continue;
    const { parent, leaf } = slot(root, s.path);
    const value = resolved.values.get(s.path);
    if (s.secret) Object.defineProperty(parent, leaf, { value, enumerable: false, writable: false, configurable: true });
    else parent[leaf] = value;
  }
  return root;
}

/**
 * A plain, printable copy of a built config: every secret shown as "***" when set (null
 * when not), and values with a `display` (URLs that may carry a password) shown through it.
 */
export function printableSettings(table: SettingsTable, config: object): Tree {
  // JSON drops the non-enumerable secrets; they come back below, masked.
  const copy = JSON.parse(JSON.stringify(config)) as Tree;
  for (const s of table.settings) {
    if (!s.secret && !s.display) continue;
    const from = lookup(config as Tree, s.path);
    if (from === undefined || !Object.hasOwn(from.parent, from.leaf)) continue;
    const value = from.parent[from.leaf];
    const to = lookup(copy, s.path);
    if (to === undefined) continue;
    if (value === null || value === undefined) to.parent[to.leaf] = s.secret ? null : value;
    else to.parent[to.leaf] = s.display ? s.display(value) : '***';
  }
  return copy;
}

/** The object holding `path`'s last key, created on the way. */
function slot(root: Tree, path: string): { parent: Tree; leaf: string } {
  const parts = path.split('.');
  let parent = root;
  for (const part of parts.slice(0, -1)) parent = (parent[part] ??= {}) as Tree;
  return { parent, leaf: parts[parts.length - 1]! };
}

/** The object holding `path`'s last key, if every section on the way is an object. */
function lookup(root: Tree, path: string): { parent: Tree; leaf: string } | undefined {
  const parts = path.split('.');
  let parent: unknown = root;
  for (const part of parts.slice(0, -1)) {
    parent = parent !== null && typeof parent === 'object' ? (parent as Tree)[part] : undefined;
  }
  return parent !== null && typeof parent === 'object' ? { parent: parent as Tree, leaf: parts[parts.length - 1]! } : undefined;
}
