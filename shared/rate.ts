/**
 * Bandwidth limits as people write them, the way rclone's --bwlimit and the
 * AWS CLI's max_bandwidth take them: a number and a unit, "/s" optional.
 * Bytes: B, KB, MB, GB (powers of 1000) and KiB, MiB, GiB (powers of 1024);
 * bits are spelled out: kbit, Mbit, Gbit (or kbps, Mbps, Gbps). The unit's
 * case does not matter, so "mb/s" is megabytes. "off" (or "none", "0") is
 * no limit.
 */

/** The lowest limit: below it a part's request would sit idle long enough for S3 to drop it. */
export const MIN_RATE = 10_000;
/** The highest: 100 GB/s, far above any link. */
export const MAX_RATE = 100_000_000_000;

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kbit: 1e3 / 8,
  mbit: 1e6 / 8,
  gbit: 1e9 / 8,
  kbps: 1e3 / 8,
  mbps: 1e6 / 8,
  gbps: 1e9 / 8,
};

const EXAMPLES = 'e.g. 40MB/s, 500KiB/s or 100Mbit/s, or "off" for no limit';

export type RateParse = { ok: true; rate: number | null } | { ok: false; message: string };

/** A limit in bytes per second (null: none), or what is wrong with the text and what is accepted. */
export function parseRate(text: string): RateParse {
  const trimmed = text.trim();
  if (/^(off|none|0)$/i.test(trimmed)) return { ok: true, rate: null };
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)(?:\/s)?$/i.exec(trimmed);
  const unit = match ? UNITS[(match[2] as string).toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    return {
      ok: false,
      message: `"${trimmed}" is not a bandwidth limit: write a number and a unit, ${EXAMPLES}.`,
    };
  }
  const rate = Math.round(Number(match[1]) * unit);
  if (rate === 0) return { ok: true, rate: null };
  if (rate < MIN_RATE || rate > MAX_RATE) {
    return {
      ok: false,
      message: `A bandwidth limit must be between ${formatRate(MIN_RATE)} and ${formatRate(MAX_RATE)} ("off" for none); "${trimmed}" is not.`,
    };
  }
  return { ok: true, rate };
}

/** A limit as a person reads it back: the decimal unit, or the binary one when that is exact ("40 MiB/s"). */
export function formatRate(rate: number): string {
  const exact = (unit: number) => rate >= unit && Number.isInteger((rate / unit) * 100);
  const binary = (
    [
      ['GiB', 1024 ** 3],
      ['MiB', 1024 ** 2],
      ['KiB', 1024],
    ] as const
  ).find(([, unit]) => exact(unit));
  const decimal = (
    [
      ['GB', 1e9],
      ['MB', 1e6],
      ['KB', 1e3],
    ] as const
  ).find(([, unit]) => rate >= unit);
  const [name, unit] =
    binary && !(decimal && exact(decimal[1])) ? binary : (decimal ?? (['B', 1] as const));
  return `${Number((rate / unit).toFixed(2))} ${name}/s`;
}
