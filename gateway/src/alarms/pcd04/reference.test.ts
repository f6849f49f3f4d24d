/**
 * A Wardlink ORU^R40 against a published one (fixtures/README.md: a B. Braun pump's
 * Alarm Reporter to the Philips IntelliBridge alarm manager, the end of an alarm): the
 * same segment sequence, and for every field both carry the same structure, and the same
 * value where the profile fixes it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHl7Structure, type Hl7Segment } from '../../ingest/formats/hl7/index.js';
import { harness } from '../testing/harness.js';
import { build, recordPhases } from './testing/phases.js';

const reference = readFileSync(new URL('./fixtures/reference-oru-r40.hl7', import.meta.url), 'utf8');

const segments = (text: string) => parseHl7Structure(text).segments;
const f = (s: Hl7Segment | undefined, n: number) => s?.fields[n] ?? '';
const obx = (all: Hl7Segment[], setId: number) => all.find((s) => s.name === 'OBX' && s.fields[1] === String(setId));
/** The shape of a field: its components, and each component's subcomponents. */
const shape = (value: string) => value.split('^').map((c) => c.split('&').length);

/** The end of a technical alarm, as the reporter builds it: the kind of alert the reference ends. */
function ourEnd(): string {
  const h = harness();
  const phases = recordPhases(h);
  h.engine.onAlarmManagerState(false, 'no answer');
  h.engine.onAlarmManagerState(true);
  const end = phases.find((p) => p.event.phase === 'cleared')!;
  return build(end, { pointOfCare: 'ICU3A', bedLabel: null }).text;
}

describe('against the published reference ORU^R40', () => {
  const ref = segments(reference);
  const ours = segments(ourEnd());

  it('the reference parses, and is what the fixture says it is', () => {
    expect(ref.map((s) => s.name)).toEqual(['MSH', 'PID', 'PV1', 'OBR', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX']);
    expect(f(ref[0], 9)).toBe('ORU^R40^ORU_R40');
  });

  it('has the same segment sequence (ours adds the priority and alert-type facets after it)', () => {
    expect(ours.map((s) => s.name).slice(0, ref.length)).toEqual(ref.map((s) => s.name));
    expect(ours.slice(ref.length).map((s) => s.name)).toEqual(['OBX', 'OBX']);
  });

  it('MSH: type, processing, version, acknowledgement modes and the ACM profile are the same', () => {
    for (const n of [9, 11, 12, 15, 16, 21]) expect([n, f(ours[0], n)]).toEqual([n, f(ref[0], n)]);
    // Addressing fields both carry are HD values; the control id is one string.
    for (const n of [3, 4]) expect(f(ours[0], n)).not.toBe('');
    expect(f(ours[0], 10)).toMatch(/^[^^]+$/);
  });

  it('PV1: the same patient class; PV1-3 a point of care first', () => {
    const [r, o] = [ref[2], ours[2]];
    expect(f(o, 2)).toBe(f(r, 2));
    expect(f(o, 3).split('^')[0]).not.toBe('');
  });

  it('OBR: the same set id and alert code; OBR-3 and OBR-29 entity identifiers shaped alike', () => {
    const [r, o] = [ref[3], ours[3]];
    expect([f(o, 1), f(o, 4)]).toEqual([f(r, 1), f(r, 4)]);
    // EI: id ^ namespace ...; EIP-2 (after the first ^): id & namespace ... as subcomponents.
    expect(shape(f(o, 3)).length).toBeGreaterThanOrEqual(2);
    expect(f(o, 29).startsWith('^')).toBe(f(r, 29).startsWith('^'));
    expect(shape(f(o, 29))[1]).toBeGreaterThanOrEqual(2);
    expect(f(o, 29).split('^')[1]!.split('&')[1]).toBe(f(o, 3).split('^')[1]);
    expect(f(r, 29).split('^')[1]!.split('&')[1]).toBe(f(r, 3).split('^')[1]);
  });

  it('OBX facet rows: same set ids, sub-ids, value types and codes; the end of an alarm says the same', () => {
    for (const i of [1, 2, 3, 4, 5]) {
      const [r, o] = [obx(ref, i), obx(ours, i)];
      expect([i, f(o, 4)]).toEqual([i, f(r, 4)]);
      // Row 5's code is published without its coding system: compare what it carries.
      expect([i, f(o, 3).split('^').slice(0, 2)]).toEqual([i, f(r, 3).split('^').slice(0, 2)]);
    }
    for (const i of [1, 3, 4, 5]) expect([i, f(obx(ours, i), 2)]).toEqual([i, f(obx(ref, i), 2)]);
    // Row 1: a coded event (CWE with a coding system); the alert type among the interpretation codes.
    expect(shape(f(obx(ours, 1), 5)).length).toBeGreaterThanOrEqual(3);
    expect(f(obx(ours, 1), 8).split('~')).toContain(f(obx(ref, 1), 8));
    for (const i of [3, 4, 5]) expect([i, f(obx(ours, i), 5)]).toEqual([i, f(obx(ref, i), 5)]);
    expect(f(obx(ours, 1), 11)).toBe(f(obx(ref, 1), 11));
  });
});
