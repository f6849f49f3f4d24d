/**
 * A real S3-compatible server for the tests: s3rver (a dev dependency) on a free port of
 * 127.0.0.1, storing into a temporary folder, in a child process so a test can make the
 * server go away for real (stop() or kill()).
 *
 * Why a child with --openssl-legacy-provider: s3rver 3.7.1 makes ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers from its legacy
 * provider; without it every paged LIST answers 500 InternalError.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3StoreSettings } from '../lifecycle/store/s3-store.js';

export interface TestS3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  /** Settings of an S3ArchiveStore on this server's bucket (s3rver's fixed credentials). */
  storeSettings(overrides?: Partial<S3StoreSettings>): S3StoreSettings;
  /** Stops the server and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

// Runs in the child: s3rver on port 0, its address printed as one JSON line.
const CHILD = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[2], configureBuckets: [{ name: process.argv[3] }] });
server.run().then((a) => console.log(JSON.stringify({ port: a.port })), (e) => { console.error(e); process.exit(1); });
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
`;

export async function startS3Server(bucket = 'wardlink-test'): Promise<TestS3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'wl-s3rver-'));
  const s3rverMain = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, s3rverMain, dir, bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const port = await firstLine(child).then(
    (line) => (JSON.parse(line) as { port: number }).port,
    async (err: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`s3rver did not start: ${(err as Error).message}\n${stderr}`);
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    bucket,
    storeSettings: (overrides = {}) => ({
      endpoint,
      bucket,
      region: 'us-east-1',
      prefix: '',
      // s3rver's built-in account; it checks the signature made with them.
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      partSizeBytes: 5 * 1024 * 1024,
      requestTimeoutMs: 10_000,
      ...overrides,
    }),
    stop: () => (stopped ??= stopChild(child).then(() => rm(dir, { recursive: true, force: true }))),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    child.once('error', reject);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
