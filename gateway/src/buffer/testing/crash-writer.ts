/**
 * The child process of the SIGKILL durability test. It appends a ward's readings as fast
 * as the writer takes them (many appends in flight, like MQTT clients waiting for their
 * PUBACK) and prints `ack <from> <to>` once the readings number from..to-1 are committed.
 * stdout is a pipe, and pipe writes are synchronous on Linux: a printed ack was handed to
 * the kernel before the parent could kill us.
 *
 *   node --import tsx crash-writer.ts <db path> <durability>
 */
import { openBufferStore } from '../store.js';
import { BufferWriter } from '../writer.js';
import type { Durability } from '../types.js';
import { wardReadings } from './fixtures.js';

const [path, durability = 'normal'] = process.argv.slice(2);
if (!path) {
  console.error('usage: crash-writer.ts <db path> [normal|full]');
  process.exit(2);
}
const store = openBufferStore({ path, durability: durability as Durability, gatewayId: 'gw-crash' });
const writer = new BufferWriter(store, { flushIntervalMs: 5, maxBatchReadings: 400 });
const PER_MESSAGE = 8;

process.stdout.write('ready\n');
let next = 0;
for (;;) {
  if (!writer.hasCapacity()) await writer.waitForCapacity();
  const from = next;
  next += PER_MESSAGE;
  writer.append(wardReadings(from, next, 50, 'gw-crash')).then(
    () => process.stdout.write(`ack ${from} ${from + PER_MESSAGE}\n`),
    (err: unknown) => process.stdout.write(`nack ${from} ${String(err)}\n`),
  );
  // Let timers and I/O run now and then, as a real event loop with sockets would.
  if (from % (PER_MESSAGE * 64) === 0) await new Promise((r) => setImmediate(r));
}
