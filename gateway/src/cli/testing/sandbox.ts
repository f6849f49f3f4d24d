/**
 * A CLI test's sandbox: a fresh temporary folder per test with the config path pointing
 * into it, and `cli(...argv)` that runs the real program and captures what it prints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Out } from '../output.js';
import { runCli } from '../program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliSandbox {
  /** The test's folder (valid inside a test). */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  cli(...argv: string[]): Promise<CliRun>;
}

export function useCliSandbox(prefix = 'wl-cli-'): CliSandbox {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    env = { WARDLINK_GATEWAY_CONFIG: join(dir, 'gateway.json') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    get env() {
      return env;
    },
    async cli(...argv: string[]): Promise<CliRun> {
      let stdout = '';
      let stderr = '';
      const out: Out = { json: argv.includes('--json'), stdout: (t) => (stdout += `${t}\n`), stderr: (t) => (stderr += `${t}\n`) };
      const code = await runCli(argv, { out, env });
      return { code, stdout, stderr };
    },
  };
}
