/**
 * The node flags the gateway package's launcher (packaging/gateway/wardlink-gateway)
 * starts the daemon with (its `node_flags=` line, e.g. a 2 MB young generation), read
 * from the launcher itself so that the demo and the benchmarks run the daemon as it
 * ships and cannot drift from it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const launcher = readFileSync(fileURLToPath(new URL('../packaging/gateway/wardlink-gateway', import.meta.url)), 'utf8');

export const GATEWAY_NODE_FLAGS: readonly string[] = (/^node_flags="([^"]*)"/m.exec(launcher)?.[1] ?? '').split(' ').filter((a) => a !== '');
