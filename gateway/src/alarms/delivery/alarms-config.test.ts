/** The `alarms` section of the gateway config: forward and viewer accounts. */
import { hasCode } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { redactedConfig, validate } from '../../config/load.js';

/** The error's code and message, or undefined when the config is accepted. */
const refusal = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return hasCode(err, 'WL_CONFIG_INVALID') ? `${err.code}: ${err.message}` : `unexpected: ${String(err)}`;
  }
  return undefined;
};

describe('alarms config', () => {
  it('defaults to no forward, no viewers, a 2-minute audio pause at most and the engine defaults', () => {
    expect(validate({}, '/tmp').alarms).toEqual({ forward: null, pcd04: null, viewers: [], audioPauseMaxMs: 120_000, engine: {} });
  });

  it('fills the forward defaults from the gateway id, and hides passwords', () => {
    const cfg = validate(
      {
        gatewayId: 'icu-3a',
        alarms: {
          forward: { url: 'mqtt://pager-bridge:1883', username: 'gw', password: 'fwd-secret' },
          viewers: [{ username: 'nurse-call', password: 'view-secret' }, { username: 'pager', passwordHash: 'scrypt$32768$8$1$abc$def' }],
        },
      },
      '/tmp',
    );
    expect(cfg.alarms.forward).toMatchObject({ url: 'mqtt://pager-bridge:1883', topicPrefix: 'wardlink/icu-3a/alarms', clientId: 'wardlink-icu-3a-alarms', maxQueued: 10_000, username: 'gw' });
    expect(cfg.alarms.forward!.password).toBe('fwd-secret');
    expect(cfg.alarms.viewers[0]!.password).toBe('view-secret');
    const printed = JSON.stringify(redactedConfig(cfg)) + JSON.stringify(cfg);
    expect(printed).not.toContain('fwd-secret');
    expect(printed).not.toContain('view-secret');
  });

  it('names the field of a bad value', () => {
    const bad = (alarms: unknown) => refusal(() => validate({ alarms }, '/tmp'));
    expect(bad({ forward: { url: 'http://x' } })).toMatch(/^WL_CONFIG_INVALID: .*alarms\.forward\.url/);
    expect(bad({ forward: { url: 'mqtt://x', topicPrefix: 'a/#' } })).toMatch(/alarms\.forward\.topicPrefix/);
    expect(bad({ viewers: {} })).toMatch(/alarms\.viewers/);
    expect(bad({ viewers: [{ username: 'a' }] })).toMatch(/alarms\.viewers\[0\].*exactly one/);
    expect(bad({ viewers: [{ username: 'a', password: 'x', passwordHash: 'scrypt$1' }] })).toMatch(/exactly one/);
    expect(bad({ viewers: [{ username: 'a', passwordHash: 'md5$x' }] })).toMatch(/alarms\.viewers\[0\]\.passwordHash/);
    expect(bad({ viewers: [{ username: 'a b', password: 'x' }] })).toMatch(/alarms\.viewers\[0\]\.username/);
    expect(bad({ viewers: [{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }] })).toMatch(/twice/);
  });
});
