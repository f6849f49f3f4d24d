/**
 * The baseline `pnpm bench codec` compares the wire codec with: a naive per-series
 * delta coding, compressed by the same brotli. Each series (device, bed, patient,
 * metric) writes its key as text, its reading count, then per reading the device time
 * as a delta from the previous one (the first from the batch time), the receive delay,
 * the value in catalog resolution steps as a delta (a flagged or uncatalogued value as a
 * float64) and the flags, all brotli-compressed after a minimal plain header (gateway
 * id, seq, time, body size): what an engineer writes in an afternoon. It has no string
 * table, no shared times and no value model, so it shows what those are worth.
 */
import zlib from 'node:zlib';
import { DEFAULT_COMPRESSION, METRICS, type Batch, type MetricId, type Reading } from '@wardlink/shared';

class Writer {
  private readonly parts: number[] = [];
  uvarint(v: number): void {
    while (v >= 0x80) {
      this.parts.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
  }
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    for (const x of b) this.parts.push(x);
  }
  view(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function naiveEncode(batch: Batch): Uint8Array {
  const series = new Map<string, Reading[]>();
  for (const r of batch.readings) {
    const key = `${r.deviceId}|${r.bedId}|${r.patientId ?? ''}|${r.metric}`;
    let list = series.get(key);
    if (list === undefined) series.set(key, (list = []));
    list.push(r);
  }
  const w = new Writer();
  w.uvarint(series.size);
  const f64 = new DataView(new ArrayBuffer(8));
  for (const [key, list] of series) {
    const text = Buffer.from(key, 'utf8');
    w.uvarint(text.length);
    w.bytes(text);
    w.uvarint(list.length);
    const resolution = (METRICS as Partial<Record<string, { resolution: number }>>)[list[0]!.metric as MetricId]?.resolution;
    let prevTime = batch.createdAtMs;
    let prevSteps = 0;
    for (const r of list) {
      w.svarint(r.deviceTimeMs - prevTime);
      prevTime = r.deviceTimeMs;
      w.svarint(r.receivedAtMs - r.deviceTimeMs);
      w.uvarint(r.flags);
      if (resolution === undefined || r.flags !== 0) {
        f64.setFloat64(0, r.value, true);
        w.bytes(new Uint8Array(f64.buffer));
      } else {
        const steps = Math.round(r.value / resolution);
        w.svarint(steps - prevSteps);
        prevSteps = steps;
      }
    }
  }
  const body = zlib.brotliCompressSync(w.view(), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: DEFAULT_COMPRESSION.level } });
  // The least a batch must say uncompressed: who sent it, which one it is, when.
  const head = new Writer();
  const id = Buffer.from(batch.gatewayId, 'utf8');
  head.uvarint(id.length);
  head.bytes(id);
  head.uvarint(batch.seq);
  head.uvarint(batch.createdAtMs);
  head.uvarint(body.length);
  return Buffer.concat([head.view(), body]);
}
