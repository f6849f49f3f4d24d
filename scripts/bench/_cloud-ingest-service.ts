/**
 * The service side of `pnpm bench cloud-ingest`: `wardlink-cloud serve` started as a child
 * process, and a batch POSTed to it over a kept-alive agent. Apart from the bench's run
 * because the citus and read-path benches start and feed the service the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import type { BenchOptions } from './run.js';

/**
 * Starts `wardlink-cloud serve` as a child process. CLOUD_INGEST_CPU_PROF=<folder> runs it
 * under `node --cpu-prof` (the profile is written there when it exits).
 */
export async function startService(url: string, log: BenchOptions['log']): Promise<{ child: ChildProcess; base: string }> {
  const profDir = process.env.CLOUD_INGEST_CPU_PROF?.trim();
  const profArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...profArgs, '--import', 'tsx', 'cloud/src/cli/main.ts', 'serve', '--no-lifecycle', '--port', '0', '--host', '127.0.0.1', '--json'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) resolve((JSON.parse(text.split('\n')[0]!) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`wardlink-cloud serve exited with ${code}`)));
  });
  log(`service: pid ${child.pid} at ${base}`);
  return { child, base };
}

export function post(agent: Agent, base: string, token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/batches`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.wardlink.batch', 'content-length': body.length },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
