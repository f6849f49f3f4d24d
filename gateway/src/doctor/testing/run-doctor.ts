/**
 * Runs the real `wardlink-gateway doctor --json` in-process (cli/program.ts) and returns
 * its exit code, its report and what it printed on stderr.
 */
import { createServer } from 'node:net';
import { runCli } from '../../cli/program.js';
import type { Out } from '../../cli/output.js';
import type { CheckCode, CheckResult, DoctorReport } from '../types.js';

export interface DoctorRun {
  code: number;
  report: DoctorReport;
  stdout: string;
  stderr: string;
  /** The one check with this code (and subject), or a test failure. */
  check(code: CheckCode, subject?: string): CheckResult;
}

export async function runDoctorCli(configPath: string, opts: { json?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<DoctorRun> {
  const json = opts.json ?? true;
  let stdout = '';
  let stderr = '';
  const out: Out = { json, stdout: (t) => (stdout += `${t}\n`), stderr: (t) => (stderr += `${t}\n`) };
  const code = await runCli(['--config', configPath, 'doctor', ...(json ? ['--json'] : [])], { out, env: opts.env ?? {} });
  const report = json ? (JSON.parse(stdout) as DoctorReport) : ({ checks: [] } as unknown as DoctorReport);
  return {
    code,
    report,
    stdout,
    stderr,
    check(c, subject) {
      const found = report.checks.filter((x) => x.code === c && (subject === undefined || x.subject === subject));
      if (found.length !== 1) throw new Error(`expected one ${c}${subject ? ` ${subject}` : ''} check, found ${found.length}: ${stdout}`);
      return found[0]!;
    },
  };
}

/** A port that was free a moment ago (the OS hands out a fresh one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
