/**
 * Real pseudo-terminal pairs for serial tests: `socat` links two ptys, one opened by the
 * gateway as its device port, the other driven by the test as the monitor. Killing socat
 * is an unplug.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const hasSocat = spawnSync('sh', ['-c', 'command -v socat']).status === 0;

export interface PtyPair {
  /** The path the gateway opens. */
  devicePath: string;
  /** The path the test (the monitor) writes to. */
  monitorPath: string;
  stop(): Promise<void>;
}

export async function startPtyPair(dir: string, name = 'tty'): Promise<PtyPair> {
  const devicePath = join(dir, `${name}-gw`);
  const monitorPath = join(dir, `${name}-mon`);
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${monitorPath}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(existsSync(devicePath) && existsSync(monitorPath))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('socat did not create the pty pair');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    devicePath,
    monitorPath,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
