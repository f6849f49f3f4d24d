/**
 * mqtt-packet (what aedes and the mqtt client write packets with) writes a packet's 2-byte
 * numbers (the packet id of every PUBACK) from a cache of 65,536 Buffers that it builds at
 * its first write and keeps for the life of the process: ~6.4 MB of the gateway's heap,
 * ~18 % of heap_used at a ward's load (issue 18: a box with 1-2 GB of RAM). Without it a
 * number is written from a 2-byte Buffer made for it (a slice of Node's pool): one small,
 * short-lived allocation per PUBACK. Turned off before the broker writes its first packet,
 * the cache is never built.
 */
import { writeToStream } from 'mqtt-packet';

export function skipPacketNumberCache(): void {
  writeToStream.cacheNumbers = false;
}

/** Whether mqtt-packet writes numbers from its cache (for the test). */
export function packetNumberCacheOn(): boolean {
  return writeToStream.cacheNumbers;
}
