/**
 * What the running gateway says about itself, for `pnpm bench gateway-footprint`: readings
 * committed (the `wardlink_gateway_readings_in_total` counter, which counts after the
 * commit) and the uplink's backlog (/status), over its local HTTP API.
 */
import { localFetch } from '@wardlink/gateway';
import type { FootprintWard } from './_footprint-ward.js';

/** Sum of every labelled series of a counter in Prometheus text. */
export function counterSum(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function readingsCommitted(ward: FootprintWard): Promise<number> {
  const text = await (await localFetch(ward.config, '/metrics', { port: ward.httpPort })).text();
  return counterSum(text, 'wardlink_gateway_readings_in_total');
}

export interface UplinkView {
  up: boolean;
  backlogReadings: number;
}

export async function uplinkStatus(ward: FootprintWard): Promise<UplinkView> {
  const status = (await (await localFetch(ward.config, '/status', { port: ward.httpPort })).json()) as { uplink: UplinkView | null };
  if (!status.uplink) throw new Error('the gateway reports no uplink: is cloud.url configured?');
  return status.uplink;
}

/** Polls until the uplink's backlog is empty; returns how long that took, ms. */
export async function waitForDrain(ward: FootprintWard, timeoutMs: number, log: (m: string) => void): Promise<number> {
  const started = performance.now();
  let lastLog = started;
  for (;;) {
    const { backlogReadings } = await uplinkStatus(ward);
    if (backlogReadings === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`the backlog did not drain within ${timeoutMs / 1000} s (${backlogReadings} readings left)`);
    if (performance.now() - lastLog > 10_000) {
      log(`draining: ${backlogReadings} readings left`);
      lastLog = performance.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Where the gateway's memory is, from its own /metrics (Node's heap and external memory), MB. */
export async function memoryBreakdown(ward: FootprintWard): Promise<Record<string, number>> {
  const text = await (await localFetch(ward.config, '/metrics', { port: ward.httpPort })).text();
  const mb = (name: string) => Math.round(counterSum(text, name) / 1048576);
  return {
    heap_used_mb: mb('wardlink_gateway_nodejs_heap_size_used_bytes'),
    heap_total_mb: mb('wardlink_gateway_nodejs_heap_size_total_bytes'),
    external_mb: mb('wardlink_gateway_nodejs_external_memory_bytes'),
  };
}
