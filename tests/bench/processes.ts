// Child processes the bench times: wall time from spawn to exit, output kept
// for errors, optional per-line timestamps and peak-RSS sampling.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const GNU_TIME = '/usr/bin/time';

export interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Seconds from spawn at which each stdout line arrived (when `lines` is set). */
  lines: Array<{ at: number; line: string }>;
  /** Highest VmHWM seen in /proc (kB) of the process, when `sampleRss` is set. */
  peakRssKb: number;
  /** VmRSS (kB) every `sampleRss` ms: the shape of memory over the run. */
  rssSamples: Array<{ at: number; kb: number }>;
  /** From /usr/bin/time (the process and the children it waited for), when available. */
  cpuSeconds: number | null;
  maxRssKb: number | null;
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep stdout lines with the time each arrived. */
  lines?: boolean;
  /** Poll /proc/PID/status every this many ms for VmRSS and VmHWM. */
  sampleRss?: number;
  /** Kill it after this long and fail. */
  timeoutMs?: number;
}

const KEEP = 64 * 1024;

export async function timed(
  command: string,
  args: string[],
  options: TimedOptions = {},
): Promise<Timed> {
  // GNU time reports the CPU time of the process and of every child it waited
  // for, and the peak RSS: the CPU figure is less disturbed by other work on
  // the machine than wall time is.
  const rusageDir = existsSync(GNU_TIME) ? await mkdtemp(join(tmpdir(), 'labdrop-time-')) : null;
  const rusageFile = rusageDir ? join(rusageDir, 'rusage') : null;
  const argv = rusageFile ? ['-f', '%U %S %M', '-o', rusageFile, '--', command, ...args] : args;
  const started = performance.now();
  const child: ChildProcess = spawn(rusageFile ? GNU_TIME : command, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: Timed = {
    seconds: 0,
    code: null,
    stdout: '',
    stderr: '',
    lines: [],
    peakRssKb: 0,
    rssSamples: [],
    cpuSeconds: null,
    maxRssKb: null,
  };
  const seconds = () => (performance.now() - started) / 1000;
  if (options.lines) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      result.lines.push({ at: seconds(), line });
    });
  } else {
    child.stdout!.on('data', (chunk: Buffer) => {
      result.stdout = (result.stdout + chunk.toString()).slice(-KEEP);
    });
  }
  child.stderr!.on('data', (chunk: Buffer) => {
    result.stderr = (result.stderr + chunk.toString()).slice(-KEEP);
  });
  let sampler: NodeJS.Timeout | undefined;
  if (options.sampleRss && child.pid) {
    const outer = child.pid;
    let pid = rusageFile ? 0 : outer;
    const sample = async () => {
      if (!pid) {
        // The command runs as the child of /usr/bin/time.
        const children = await readFile(`/proc/${outer}/task/${outer}/children`, 'utf8').catch(
          () => '',
        );
        pid = Number(children.trim().split(/\s+/)[0]) || 0;
        if (!pid) return;
      }
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
      const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
      if (hwm) result.peakRssKb = Math.max(result.peakRssKb, Number(hwm));
      if (rss) result.rssSamples.push({ at: seconds(), kb: Number(rss) });
    };
    sampler = setInterval(() => void sample(), options.sampleRss);
  }
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  if (options.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    result.code = await exited;
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
  result.seconds = seconds();
  if (rusageFile && rusageDir) {
    const line = (await readFile(rusageFile, 'utf8').catch(() => '')).trim().split('\n').at(-1);
    const [user, system, maxRss] = (line ?? '').split(' ').map(Number);
    if (user !== undefined && system !== undefined && Number.isFinite(user + system)) {
      result.cpuSeconds = user + system;
      result.maxRssKb = maxRss ?? null;
    }
    await rm(rusageDir, { recursive: true, force: true });
  }
  if (options.lines)
    result.stdout = result.lines
      .map((l) => l.line)
      .join('\n')
      .slice(-KEEP);
  return result;
}

/** Throws with the tail of its output when the process failed. */
export function check(what: string, run: Timed): Timed {
  if (run.code !== 0) {
    throw new Error(
      `${what} exited with ${run.code}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`,
    );
  }
  return run;
}
