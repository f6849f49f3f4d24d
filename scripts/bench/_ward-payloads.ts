/**
 * The MQTT load the gateway benches share: a simulated ward of 50 beds, one JSON payload
 * per record with exactly 8 metrics (a missing one filled with 120), per device id
 * `bench-<bedId>`.
 */
import { createWard, toMqttMessage } from '@wardlink/simulator';

export const BENCH_BEDS = 50;
export const BENCH_METRICS = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP', 'ETCO2', 'NIBP_SYS'] as const;

export function payloadsPerDevice(seconds: number): Map<string, Buffer[]> {
  const start = Date.now() - seconds * 1000 - 60_000;
  const ward = createWard({ beds: BENCH_BEDS, seed: 42, startMs: start, artifacts: false });
  const byDevice = new Map<string, Buffer[]>();
  for (const record of ward.recordsBetween(start, start + seconds * 1000)) {
    const values: Record<string, number> = {};
    for (const m of BENCH_METRICS) values[m] = record.values[m] ?? 120;
    const id = `bench-${record.bedId}`;
    if (!byDevice.has(id)) byDevice.set(id, []);
    byDevice.get(id)!.push(toMqttMessage({ ...record, values, flags: {} }).payload);
  }
  return byDevice;
}
