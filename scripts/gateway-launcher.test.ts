/**
 * The launcher's node flags (packaging/gateway/wardlink-gateway) are what the demo and the
 * benches start the daemon with: node must accept every one of them, or the packaged
 * daemon would not start at all (node exits with "bad option" on an unknown or malformed flag).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from './gateway-launcher.js';

describe('the gateway launcher node flags', () => {
  it('are read from the launcher', () => {
    expect(GATEWAY_NODE_FLAGS).toContain('--max-semi-space-size=2');
    expect(GATEWAY_NODE_FLAGS).toContain('--v8-pool-size=1');
  });

  it('are accepted by node', () => {
    const r = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, '-e', 'console.log(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.arrayContaining([...GATEWAY_NODE_FLAGS]));
  });

  it('are refused by node when one is misspelt (what the test above guards against)', () => {
    const r = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, '--v8-pool-sise=1', '-e', ''], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad option/);
  });
});
