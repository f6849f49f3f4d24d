import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runMain(args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/src/main.ts', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('main.ts', () => {
  it('runs for --duration-s and exits 0', async () => {
    const { code, stdout } = await runMain(['--beds', '4', '--speed', '10', '--duration-s', '1.5']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sim time/);
    expect(stdout).toMatch(/done: \d+ records/);
  });

  it('exits 0 on SIGTERM after printing its summary', async () => {
    let sent = false;
    const { code, stdout } = await runMain(['--beds', '4'], (text, child) => {
      if (!sent && text.split('\n').length > 2) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(code).toBe(0);
    expect(stdout).toMatch(/done: \d+ records/);
  });

  it('exits 2 with a usage message on a bad argument', async () => {
    const { code, stderr } = await runMain(['--beds', 'many']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--beds must be an integer/);
  });
});
