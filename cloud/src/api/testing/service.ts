/**
 * A real CloudService for the API tests: real HTTP on an ephemeral port of 127.0.0.1,
 * real PostgreSQL (the test database), and an in-memory logger to assert on.
 */
import { deflateRawSync } from 'node:zlib';
import { resolveCloudConfig, type ConfigInput } from '../../config/resolve.js';
import { CloudService, type CloudServiceOptions } from '../../service.js';
import { createTestLogger, type TestLogger } from '../../testing/logger.js';

export interface TestService {
  service: CloudService;
  log: TestLogger;
  url: string;
}

export async function startTestService(
  databaseUrl: string,
  overrides: { server?: ConfigInput; database?: ConfigInput } = {},
  options: Partial<CloudServiceOptions> = {},
): Promise<TestService> {
  const config = resolveCloudConfig({
    env: {},
    overrides: {
      dataDir: '/nonexistent-never-used',
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2_000, ...overrides.server },
      database: { url: databaseUrl, poolMax: 5, connectionTimeoutMs: 2_000, ...overrides.database },
      log: { level: 'debug' },
    },
  });
  const log = createTestLogger('debug');
  const service = await CloudService.start(config, { logger: log.logger, migrate: false, lifecycle: false, ...options });
  return { service, log, url: service.url };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** POSTs bytes to /v1/batches with a bearer token. */
export async function postBatch(url: string, bytes: Uint8Array, token: string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/v1/batches`, {
    method: 'POST',
    body: bytes,
    headers: {
      'content-type': 'application/vnd.wardlink.batch',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/**
 * A decompression bomb in the batch frame: a small deflate body that inflates to
 * `inflatesTo` bytes of zeros, with the header declaring `declaredPayloadBytes`.
 */
export function bombFrame(gatewayId: string, seq: number, inflatesTo: number, declaredPayloadBytes: number): Buffer {
  const body = deflateRawSync(Buffer.alloc(inflatesTo), { level: 9 });
  const id = Buffer.from(gatewayId, 'utf8');
  const header = Buffer.from([
    0x57, 0x4c, 0x42, 1, 1,
    ...uvarint(id.length), ...id,
    ...uvarint(seq), ...uvarint(Date.UTC(2026, 0, 1)), ...uvarint(10), ...uvarint(0),
    ...uvarint(declaredPayloadBytes), ...uvarint(body.length),
    0, 0, 0, 0, // CRC: never reached
  ]);
  return Buffer.concat([header, body]);
}
