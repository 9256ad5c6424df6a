import { GiB, MiB } from '../../shared/parts';
// Figures as the bench reports them: every sample kept, the median quoted
// with the spread (min to max), and the target it is held against.

export type Unit = 's' | 'ms' | 'MB/s' | 'MB' | '×' | '/s' | '%';

export interface Target {
  op: '>=' | '<=';
  value: number;
  /** How the brief states it, e.g. "≥ 0.95× openssl". */
  text: string;
}

export interface Figure {
  section: string;
  name: string;
  unit: Unit;
  samples: number[];
  target?: Target;
  /** What bounds the figure: the resource it is waiting for or spending. */
  bound: string;
  note?: string;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function value(figure: Figure): number {
  return median(figure.samples);
}

export function met(figure: Figure): boolean | null {
  if (!figure.target || figure.samples.length === 0) return null;
  const v = value(figure);
  return figure.target.op === '>=' ? v >= figure.target.value : v <= figure.target.value;
}

function digits(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return '–';
  if (unit === '×') return v.toFixed(2);
  if (unit === 's') return v < 10 ? v.toFixed(2) : v.toFixed(1);
  if (unit === '%') return v.toFixed(0);
  if (v < 1) return v.toFixed(2);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function format(v: number, unit: Unit): string {
  const n = digits(v, unit);
  if (unit === '×') return `${n}×`;
  if (unit === '%') return `${n} %`;
  return `${n} ${unit}`;
}

/** "median (min–max, n runs)". */
export function describe({ samples, unit }: Pick<Figure, 'samples' | 'unit'>): string {
  if (samples.length === 0) return 'not measured';
  const v = format(median(samples), unit);
  if (samples.length === 1) return `${v} (1 run)`;
  const lo = digits(Math.min(...samples), unit);
  const hi = digits(Math.max(...samples), unit);
  return `${v} (${lo}–${hi}, ${samples.length} runs)`;
}

export const MB = 1e6;
export { GiB, MiB };

export function sizeText(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} bytes`;
}
