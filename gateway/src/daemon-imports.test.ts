/**
 * What `wardlink-gateway run` loads before it answers /healthz: the static imports of the
 * run command, the daemon and the commit thread. mqtt.js (~0.07 s of CPU there) is for the
 * optional alarm forward and the bridge, undici (~0.1 s) for the uplink once it sends: both
 * are imported where first used (forwarder.ts start(), bridge.ts start(),
 * uplink/lazy-pool.ts). An `import ... from 'mqtt'` anywhere in this graph loads it at
 * every start; only `import type` is erased (verbatimModuleSyntax).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const RUN_ENTRIES = ['cli/main.ts', 'cli/commands/run.ts', 'daemon.ts', 'observability/logger.ts', 'buffer/commit-worker.ts'];
const STATIC_IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** Every chain of static imports from the entries to `pkg`, as "a.ts -> b.ts -> pkg". */
function chainsTo(pkg: string, entries: string[]): string[] {
  const importedBy = new Map<string, string>(entries.map((e) => [resolve(SRC, e), '']));
  const queue = [...importedBy.keys()];
  const chains: string[] = [];
  const chainOf = (file: string): string[] => (file === '' ? [] : [...chainOf(importedBy.get(file)!), relative(SRC, file)]);
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const [, , typeOnly, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (typeOnly || spec === undefined) continue;
      if (spec === pkg || spec.startsWith(`${pkg}/`)) chains.push([...chainOf(file), pkg].join(' -> '));
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target) && !importedBy.has(target)) {
        importedBy.set(target, file);
        queue.push(target);
      }
    }
  }
  return chains;
}

describe('the modules `run` loads at start-up', () => {
  it('are followed through the daemon (its database and its broker are reached)', () => {
    expect(chainsTo('better-sqlite3', RUN_ENTRIES).length).toBeGreaterThan(0);
    expect(chainsTo('aedes', RUN_ENTRIES).length).toBeGreaterThan(0);
  });

  it('import neither mqtt.js nor undici statically', () => {
    expect({ mqtt: chainsTo('mqtt', RUN_ENTRIES), undici: chainsTo('undici', RUN_ENTRIES) }).toEqual({ mqtt: [], undici: [] });
  });
});
