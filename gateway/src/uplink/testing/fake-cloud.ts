/**
 * A scripted stand-in for the cloud's batch API, for the uplink's failure-mode tests: it
 * decodes every batch with the real codec, stores each (gatewayId, seq) once like the
 * cloud's ledger, and answers what the test's `script` says (503 + Retry-After, 429,
 * 400, 401...) or 200. The end-to-end tests use the real cloud instead.
 */
import { decodeBatchWithDictionary, DictionaryUnknownError, peekBatchHeader, SeriesDictionary, type Batch } from '@wardlink/shared';
import { json, startScriptedServer, type Received, type ScriptedServer } from './http-server.js';

const gatewayOf = (bytes: Uint8Array): string => peekBatchHeader(bytes).gatewayId;

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Delivery {
  /** Request number, from 1. */
  n: number;
  atMs: number;
  key: string;
  traceparent: string;
  batch: Batch;
  status: number;
}

export interface FakeCloud {
  server: ScriptedServer;
  url: string;
  deliveries: Delivery[];
  /** Fleet status documents received (POST /v1/gateways/status), answered 200, never batches. */
  statuses: unknown[];
  /** Batches stored, by `<gatewayId>:<seq>` (a replay is answered duplicate, not stored). */
  stored: Map<string, Batch>;
  /** The script: an answer to refuse the request with, or undefined to store it (200). */
  script: (d: Omit<Delivery, 'status'>) => Answer | undefined;
  /** How many times each reading (device|metric|deviceTime) was stored. */
  readingCounts(): Map<string, number>;
  /** The series dictionary entries learnt from batches, by `<gatewayId>:<dictionary id>`, as
   * the real cloud keeps them; clear it to play a cloud whose database was restored. */
  dictionaries: Map<string, SeriesDictionary>;
  /** Batches refused with 409 WL_DICTIONARY_UNKNOWN. */
  dictionaryRefusals: number;
  close(): Promise<void>;
}

export const readingKey = (r: { deviceId: string; metric: string; deviceTimeMs: number }) => `${r.deviceId}|${r.metric}|${r.deviceTimeMs}`;

export async function startFakeCloud(now: () => number, port = 0): Promise<FakeCloud> {
  const cloud: FakeCloud = {
    server: undefined as unknown as ScriptedServer,
    url: '',
    deliveries: [],
    statuses: [],
    stored: new Map(),
    script: () => undefined,
    readingCounts: () => {
      const counts = new Map<string, number>();
      for (const b of cloud.stored.values()) for (const r of b.readings) counts.set(readingKey(r), (counts.get(readingKey(r)) ?? 0) + 1);
      return counts;
    },
    close: () => cloud.server.close(),
    dictionaries: new Map(),
    dictionaryRefusals: 0,
  };
  cloud.server = await startScriptedServer((req: Received, res) => {
    if (req.url.endsWith('/v1/gateways/status')) {
      cloud.statuses.push(JSON.parse(req.body.toString('utf8')));
      json(res, 200, { stored: true });
      return;
    }
    let batch: Batch;
    let learn = (): void => undefined;
    try {
      const decoded = decodeBatchWithDictionary(req.body, undefined, { dictionaries: (id) => cloud.dictionaries.get(`${gatewayOf(req.body)}:${id}`) });
      batch = decoded.batch;
      learn = () => {
        if (decoded.dictionaryId === 0) return;
        const key = `${batch.gatewayId}:${decoded.dictionaryId}`;
        const d = cloud.dictionaries.get(key) ?? new SeriesDictionary(decoded.dictionaryId);
        for (const [n, e] of decoded.inlineEntries) d.set(n, e);
        cloud.dictionaries.set(key, d);
      };
    } catch (err) {
      if (!(err instanceof DictionaryUnknownError)) throw err;
      cloud.dictionaryRefusals += 1;
      json(res, 409, { error: { code: err.code, message: err.message } });
      return;
    }
    const key = String(req.headers['idempotency-key']);
    const base = { n: cloud.deliveries.length + 1, atMs: now(), key, traceparent: String(req.headers.traceparent), batch };
    const refusal = cloud.script(base);
    if (refusal) {
      cloud.deliveries.push({ ...base, status: refusal.status });
      json(res, refusal.status, refusal.body ?? {}, refusal.headers);
      return;
    }
    learn();
    const duplicate = cloud.stored.has(`${batch.gatewayId}:${batch.seq}`);
    if (!duplicate) cloud.stored.set(`${batch.gatewayId}:${batch.seq}`, batch);
    cloud.deliveries.push({ ...base, status: 200 });
    json(res, 200, { accepted: true, duplicate, seq: batch.seq });
  }, undefined, port);
  cloud.url = cloud.server.url;
  return cloud;
}
