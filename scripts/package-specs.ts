/**
 * What `pnpm package` builds: one Spec per daemon (Debian name, workspace package, config
 * files, data folder, description, native-module checks). Data only, apart from the build
 * steps (package-build.ts), so a new package or a changed description touches this file alone.
 */

export type Daemon = 'gateway' | 'cloud';

export interface Spec {
  daemon: Daemon;
  /** Debian package name, also the folder under /usr/lib and the launcher's name. */
  name: string;
  workspacePackage: string;
  /** Files of packaging/<daemon>/ that go to /etc/wardlink (conffiles), with their mode. */
  configFiles: ReadonlyArray<{ file: string; mode: number }>;
  dataDir: string;
  description: string;
  /** Code run by node in the staged tree: each loads a native module and uses it once. */
  nativeChecks: readonly string[];
}

export const SPECS: Record<Daemon, Spec> = {
  gateway: {
    daemon: 'gateway',
    name: 'wardlink-gateway',
    workspacePackage: '@wardlink/gateway',
    configFiles: [{ file: 'gateway.json', mode: 0o640 }],
    dataDir: 'var/lib/wardlink',
    description: [
      'Wardlink ward gateway daemon and its command line',
      ' Reads bedside monitors over serial, HL7/MLLP and MQTT, keeps every reading in SQLite',
      ' until the Wardlink cloud has it, raises alarms on the ward network (MQTT topics and the',
      ' nurse-station page) also while the cloud is unreachable, and uploads compressed batches.',
    ].join('\n'),
    nativeChecks: [
      "const D = require('better-sqlite3'); const db = new D(':memory:'); db.prepare('select 1').get(); db.close();",
      // Loading serialport loads its native binding (node-gyp-build throws when none fits).
      "require('serialport');",
    ],
  },
  cloud: {
    daemon: 'cloud',
    name: 'wardlink-cloud',
    workspacePackage: '@wardlink/cloud',
    configFiles: [
      { file: 'cloud.json', mode: 0o640 },
      { file: 'cloud.env', mode: 0o640 },
    ],
    dataDir: 'var/lib/wardlink-cloud',
    description: [
      'Wardlink cloud sync service and its command line',
      ' Takes the batches Wardlink gateways upload into PostgreSQL exactly once, serves the',
      ' read API (latest vitals, history, stream, reports) and runs the data lifecycle',
      ' (partitions, compaction, retention, Parquet archive).',
    ].join('\n'),
    nativeChecks: ["require('pg');", "import('@duckdb/node-api').then(async (m) => { const i = await m.DuckDBInstance.create(':memory:'); i.closeSync?.(); });"],
  },
};

/** Debian's architecture names to Node's, which name prebuilt binaries' folders. */
export const NODE_ARCH: Record<string, string> = { amd64: 'x64', arm64: 'arm64', armhf: 'arm', i386: 'ia32' };
