// Inputs for the IPC fuzz test (tests/security.test.ts): a seeded PRNG, a
// catalogue of hostile values, and a generator that walks a channel's zod
// schema so most cases are *almost* valid (one field wrong, an extra key, a
// required key missing) and some are valid. Everything it makes survives
// structuredClone, as anything the renderer sends over Electron IPC does.
import type { z } from 'zod';

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Keys whose assignment would reach Object.prototype if a handler merged them naively. */
export const POLLUTION_MARK = 'labdropPolluted';

function pollution(): unknown[] {
  return [
    JSON.parse(`{"__proto__": {"${POLLUTION_MARK}": "yes"}}`),
    JSON.parse(`{"constructor": {"prototype": {"${POLLUTION_MARK}": "yes"}}}`),
    JSON.parse(`{"prototype": {"${POLLUTION_MARK}": "yes"}}`),
    JSON.parse(`{"__proto__": {"${POLLUTION_MARK}": "yes"}, "toString": "x", "valueOf": 1}`),
  ];
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** Paths a compromised renderer might send; none of them walks a large tree. */
export function hostilePaths(existingDir: string): string[] {
  return [
    '',
    '.',
    '..',
    'relative/file.txt',
    './file.txt',
    '../../etc/passwd',
    '~/.aws/credentials',
    `${existingDir}/a.txt\0.png`,
    '/tmp/\0',
    '\0',
    `/definitely/not/here/${'x'.repeat(20)}`,
    `/${'a'.repeat(5000)}`,
    `${existingDir}/does-not-exist.bin`,
    `${existingDir}/../${existingDir.split('/').pop() ?? ''}/a.txt`,
    `${existingDir}/sub/../a.txt`,
    'C:\\Windows\\System32\\config\\SAM',
    '\\\\server\\share\\file',
    'file:///etc/passwd',
    'http://example.org/a',
    `${existingDir}/a.txt`,
    `${existingDir}/sub`,
    `${existingDir}/link-to-a`,
  ];
}

/** Makers of the values anything might be replaced with (built on demand: some are large). */
function hostileMakers(random: Random, paths: readonly string[]): Array<() => unknown> {
  return [
    () => undefined,
    () => null,
    () => 0,
    () => -1,
    () => 1.5,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => -0,
    () => 10n ** 30n,
    () => true,
    () => false,
    () => '',
    () => ' ',
    () => 'a'.repeat(1 + Math.floor(random() * 300_000)),
    () => '\u0000\u0001\uFFFF\uD800',
    () => '<script>alert(1)</script>',
    () => "'; DROP TABLE uploads; --",
    () => '%00%2e%2e%2f',
    () => '${process.env.AWS_SECRET_ACCESS_KEY}',
    () => pick(random, paths),
    () => [],
    () => [pick(random, paths)],
    () => Array.from({ length: 1000 + Math.floor(random() * 20_000) }, (_, i) => `/x/${i}`),
    () => Array.from({ length: 200 }, () => null),
    () => ({}),
    () => Object.create(null) as object,
    () => nested(50 + Math.floor(random() * 400), 'deep', random() < 0.5),
    ...pollution().map((value) => () => value),
    () => new Date(NaN),
    () => new Date(0),
    () => /.*/,
    () => new Uint8Array(64),
    () => new Map([['a', 1]]),
    () => new Set([1]),
    () => new Error('hostile'),
  ];
}

/** Every hostile value once. */
export function hostileValues(random: Random, paths: readonly string[]): unknown[] {
  return hostileMakers(random, paths).map((make) => make());
}

/** One hostile value. */
export function hostileValue(random: Random, paths: readonly string[]): unknown {
  return pick(random, hostileMakers(random, paths))();
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Plausible values per field name, so a share of the cases reach the services. */
export interface Hints {
  paths: readonly string[];
  byKey: Record<string, readonly unknown[]>;
}

/**
 * One argument for a schema: a valid-looking value with probability
 * 1 - `hostility`, else something hostile; objects may lose a required key or
 * gain an extra one.
 */
export function generate(
  schema: z.ZodType,
  random: Random,
  hints: Hints,
  hostility: number,
  key = '',
  depth = 0,
): unknown {
  if (random() < hostility || depth > 6) return hostileValue(random, hints.paths);
  const def = defOf(schema);
  switch (def.type) {
    case 'undefined':
      return undefined;
    case 'optional':
      return random() < 0.3
        ? undefined
        : generate(def.innerType as z.ZodType, random, hints, hostility, key, depth);
    case 'nullable':
      return random() < 0.3
        ? null
        : generate(def.innerType as z.ZodType, random, hints, hostility, key, depth);
    case 'default':
    case 'readonly':
    case 'catch':
      return generate(def.innerType as z.ZodType, random, hints, hostility, key, depth);
    case 'enum':
      return pick(random, Object.values(def.entries ?? {}));
    case 'boolean':
      return random() < 0.5;
    case 'number':
      return pick(random, [1, 2, 5, 8, 64, 100, 0, -3, 2.5, 1e9]);
    case 'string': {
      const known = hints.byKey[key];
      if (known && random() < 0.8) return pick(random, known);
      const length = Math.floor(random() * 24);
      let text = '';
      for (let i = 0; i < length; i++) text += String.fromCharCode(32 + Math.floor(random() * 95));
      return text;
    }
    case 'array': {
      const known = hints.byKey[key];
      if (known && random() < 0.7) return pick(random, known);
      const length = Math.floor(random() * 4);
      return Array.from({ length }, () =>
        generate(def.element as z.ZodType, random, hints, hostility, key, depth + 1),
      );
    }
    case 'union':
      return generate(pick(random, def.options ?? []), random, hints, hostility, key, depth);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(def.shape ?? {})) {
        if (random() < 0.05) continue; // a required key missing
        const value = generate(field, random, hints, hostility, name, depth + 1);
        if (value !== undefined || random() < 0.5) out[name] = value;
      }
      if (random() < 0.1) {
        const extra = pick(random, ['__proto__', 'constructor', 'prototype', 'extra', 'then']);
        Object.defineProperty(out, extra, {
          value: { [POLLUTION_MARK]: 'yes' },
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return out;
    }
    default:
      return hostileValue(random, hints.paths);
  }
}
