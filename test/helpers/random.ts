/** A small seeded random generator (mulberry32) for fuzz tests whose failures must reproduce. */

/** Random values drawn from one seed. */
export interface Random {
  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number;
  pick<T>(values: readonly T[]): T;
  /** Text of `length` characters, mostly printable, some control and non-ASCII ones. */
  text(length: number): string;
  bytes(length: number): Uint8Array;
  /** A JSON value nested at most `depth` levels. */
  json(depth: number): unknown;
}

const ALPHABET = 'abcXYZ019_-./%:@"\'\\{}[]<>?&=+ \t\u0000\u0007\u00e9\u2603\ud83d\ude00';

/** Creates a generator; the same seed gives the same values. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)] as T;
  const chars = [...ALPHABET];
  const text = (length: number): string => Array.from({ length }, () => pick(chars)).join('');

  const json = (depth: number): unknown => {
    const kind = int(0, depth > 0 ? 6 : 3);
    if (kind === 0) return null;
    if (kind === 1) return pick([true, false]);
    if (kind === 2) return pick([0, -1, 1.5, 1e308, -0, int(-1e9, 1e9)]);
    if (kind === 3) return text(int(0, 30));
    if (kind === 4) return Array.from({ length: int(0, 4) }, () => json(depth - 1));
    return Object.fromEntries(
      Array.from({ length: int(0, 4) }, () => [text(int(0, 8)), json(depth - 1)]),
    );
  };

  return {
    int,
    pick,
    text,
    bytes: (length) => Uint8Array.from({ length }, () => int(0, 255)),
    json,
  };
}
