/**
 * Seeded randomness. Two kinds, both deterministic and free of Math.random:
 * - `mulberry32`, a sequential PRNG for drawing a patient's traits and a bed's schedule;
 * - `hash32`/`unit`/`valueNoise`, counter-based: the noise at tick k is a pure function
 *   of (keys, k). That is what lets any time window be generated on its own and still
 *   match a longer run exactly.
 */

/** A small, fast 32-bit PRNG (Tommy Ettinger's mulberry32). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes up to four integers into one well-scrambled 32-bit unsigned integer. */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = 0x811c9dc5 ^ a;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x27d4eb2f);
  h = Math.imul(h ^ d ^ (h >>> 15), 0x165667b1);
  // murmur3 finalizer: every input bit affects every output bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform float in [0, 1) from integer keys. */
export function unit(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

/** A uniform float in [-1, 1) from integer keys. */
export function signedUnit(a: number, b = 0, c = 0, d = 0): number {
  return unit(a, b, c, d) * 2 - 1;
}

/**
 * Smooth 1-D value noise in [-1, 1]: random values at every `period` ticks, joined by a
 * smoothstep. Slow physiological wander without any state carried between ticks.
 */
export function valueNoise(key: number, tick: number, period: number): number {
  const i = Math.floor(tick / period);
  const f = (tick - i * period) / period;
  const v0 = signedUnit(key, i);
  const v1 = signedUnit(key, i + 1);
  const s = f * f * (3 - 2 * f);
  return v0 + (v1 - v0) * s;
}

/** Draws from [min, max) with a sequential generator. */
export function between(rng: () => number, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** Draws an integer from [min, max] inclusive. */
export function intBetween(rng: () => number, min: number, max: number): number {
  return min + Math.floor((max - min + 1) * rng());
}

/** Draws log-uniformly from [min, max), for spans from seconds to tens of minutes. */
export function logBetween(rng: () => number, min: number, max: number): number {
  return Math.exp(between(rng, Math.log(min), Math.log(max)));
}
