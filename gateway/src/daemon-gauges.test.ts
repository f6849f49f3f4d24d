import { describe, expect, it } from 'vitest';
import { ManualClock } from './alarms/testing/manual-clock.js';
import { BufferLookGate, QUIET_LOOK_MS } from './daemon-gauges.js';

/** A tick whose look, when due, succeeds. */
const look = (gate: BufferLookGate) => {
  const due = gate.due();
  if (due) gate.looked();
  return due;
};

describe('BufferLookGate: when the tick must look at the buffer', () => {
  it('looks after a commit or a change of the disk\'s room, and at least every QUIET_LOOK_MS when neither comes', () => {
    const clock = new ManualClock(1_000_000);
    let available = 5_000_000;
    let statfsCalls = 0;
    const gate = new BufferLookGate({ availableBytes: () => (statfsCalls++, available) }, clock);
    const ticks = (n: number) => Array.from({ length: n }, () => (clock.advanceBy(1000), look(gate)));
    expect(look(gate), 'the first tick').toBe(true);
    expect(ticks(3)).toEqual([false, false, false]);
    gate.noteCommit();
    expect(ticks(2)).toEqual([true, false]);
    available -= 4096; // another program took a block
    expect(ticks(2)).toEqual([true, false]);
    available += 8192; // or freed some
    expect(ticks(1)).toEqual([true]);
    // Nothing at all for QUIET_LOOK_MS: a look anyway (eviction or a CLI write into free pages shows in neither).
    const quiet = ticks(QUIET_LOOK_MS / 1000);
    expect(quiet.slice(0, -1).every((d) => !d)).toBe(true);
    expect(quiet.at(-1)).toBe(true);
    expect(statfsCalls).toBe(1 + 3 + 2 + 2 + 1 + QUIET_LOOK_MS / 1000);
  });

  it('ignores the disk\'s room moving where it cannot matter (above roomMattersBelow), not below it', () => {
    const clock = new ManualClock(0);
    let available = 3_000_000;
    const gate = new BufferLookGate({ availableBytes: () => available }, clock, 2_000_000);
    const tick = () => (clock.advanceBy(1000), look(gate));
    expect(look(gate)).toBe(true);
    available -= 500_000; // other programs' writes, with room to spare
    expect(tick()).toBe(false);
    available -= 600_000; // now below: the effective cap or the reserve may move
    expect(tick()).toBe(true);
    available -= 4096;
    expect(tick()).toBe(true);
    expect(tick()).toBe(false);
  });

  it('looks when the disk cannot be read', () => {
    const clock = new ManualClock(0);
    const gate = new BufferLookGate({ availableBytes: () => { throw new Error('EIO'); } }, clock);
    expect([look(gate), (clock.advanceBy(1000), look(gate))]).toEqual([true, true]);
  });

  it('keeps a look due until one succeeds, and keeps commits noted while it ran', () => {
    const clock = new ManualClock(0);
    const gate = new BufferLookGate({ availableBytes: () => 5_000_000 }, clock);
    expect(look(gate)).toBe(true);
    gate.noteCommit();
    clock.advanceBy(1000);
    expect(gate.due()).toBe(true); // the refresh then threw: no looked()
    clock.advanceBy(1000);
    expect(gate.due(), 'retried at the next tick').toBe(true);
    gate.noteCommit(); // a commit while the look runs
    gate.looked();
    clock.advanceBy(1000);
    expect(look(gate), 'the commit noted during the look').toBe(true);
    clock.advanceBy(1000);
    expect(look(gate)).toBe(false);
  });

  it('keeps its quiet look on the monotonic clock when the wall clock steps back', () => {
    const clock = new ManualClock(10_000_000);
    let wallStepMs = 0;
    const gate = new BufferLookGate({ availableBytes: () => 5_000_000 }, { now: () => clock.now() + wallStepMs, monotonicMs: () => clock.monotonicMs(), setTimeout: clock.setTimeout.bind(clock), setInterval: clock.setInterval.bind(clock) });
    expect(look(gate)).toBe(true);
    wallStepMs = -3_600_000; // NTP steps the wall clock an hour back
    const ticks = Array.from({ length: QUIET_LOOK_MS / 1000 }, () => (clock.advanceBy(1000), look(gate)));
    expect(ticks.at(-1)).toBe(true);
  });
});
