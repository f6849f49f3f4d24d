/**
 * The floor under the gateway's CPU per reading in `pnpm bench gateway-footprint`: bare
 * aedes (_aedes-bare.ts: no auth, no handler, nothing stored or sent) under the launcher's
 * node flags, taking the same ward's MQTT records from the same 58 clients at QoS 1 in real
 * time. What it costs per reading is what the transport alone costs at a ward's arrival
 * pattern (~60 small publishes a second, each a wake-up, a read and a PUBACK write), which
 * no work in the gateway's own code can go under.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SHIPPED_NODE_FLAGS } from './_footprint-daemon.js';
import { startFootprintFeed } from './_footprint-feed.js';
import { readProc } from './_footprint-proc.js';

export interface BareAedesCost {
  cpuUsPerReading: number;
  sysUsPerReading: number;
  readings: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function bareAedesCost(opts: { beds: number; passwords: Map<string, string>; warmupMs: number; windowMs: number; log: (line: string) => void }): Promise<BareAedesCost> {
  const script = fileURLToPath(new URL('./_aedes-bare.ts', import.meta.url));
  const child = spawn(process.execPath, [...SHIPPED_NODE_FLAGS, '--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bare aedes exited (${code}) before listening`)));
      child.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { ports: { mqtt: number } }).ports.mqtt));
    });
    const feed = await startFootprintFeed({ beds: opts.beds, mqttPort: port, passwords: opts.passwords, serialMonitors: new Map(), seed: 7, onError: (m) => opts.log(`baseline feed: ${m}`) });
    try {
      await sleep(opts.warmupMs);
      const from = readProc(child.pid!);
      const readings0 = feed.mqttReadings;
      await sleep(opts.windowMs);
      const to = readProc(child.pid!);
      const readings = feed.mqttReadings - readings0;
      if (!from || !to) throw new Error('bare aedes exited during its window');
      return { cpuUsPerReading: (to.cpuUs - from.cpuUs) / Math.max(1, readings), sysUsPerReading: (to.sysUs - from.sysUs) / Math.max(1, readings), readings };
    } finally {
      await feed.stop();
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
