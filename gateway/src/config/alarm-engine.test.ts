/**
 * alarms.engine.commLoss.byKind names real device kinds: a typo would leave those devices
 * on the 5 s default without a word. byFormat takes any name (formats may be registered at
 * run time) but its thresholds are checked like every other.
 */
import { describe, expect, it } from 'vitest';
import { validate } from './load.js';

const engine = (commLoss: unknown) => () => validate({ alarms: { engine: { commLoss } } }, '/tmp');

describe('alarms.engine comm-loss thresholds', () => {
  it('takes every device format and kind the gateway has', () => {
    const byFormat = { 'hl7-mllp': 12_000, 'ascii-kv': 8_000, 'ascii-ts': 8_000, 'mqtt-json': 3_000 };
    const byKind = { serial: 6_000, 'tcp-hl7': 6_000, mqtt: 4_000 };
    expect(engine({ byFormat, byKind })().alarms.engine.commLoss).toEqual({ byFormat, byKind });
  });

  it.each([
    [{ byKind: { usb: 6_000 } }, 'alarms.engine.commLoss.byKind.usb', /is not a device kind; allowed: serial/],
    [{ byFormat: { 'mqtt-json': 50 } }, 'alarms.engine.commLoss.byFormat.mqtt-json', /ms >= 100/],
  ])('refuses %j naming the field', (commLoss, field, message) => {
    expect(engine(commLoss)).toThrow(expect.objectContaining({ code: 'WL_CONFIG_INVALID', field, message: expect.stringMatching(message) }));
  });
});
