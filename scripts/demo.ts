/**
 * `pnpm demo`: the Wardlink demo. For now it runs the seeded ward simulator with a live
 * summary; it grows into the whole pipeline (cloud on embedded PostgreSQL, a gateway, the
 * simulated ward over MQTT and serial) as those parts land.
 *   pnpm demo [--beds 20] [--seed 1] [--speed 1] [--duration-s N]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./simulator/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
