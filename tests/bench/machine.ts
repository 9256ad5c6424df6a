// The machine the figures come from, for the report's header.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  node: string;
  openssl: string;
  aws: string;
  moto: string;
  date: string;
  /** 1-minute load average when the bench started: others' work on the same machine. */
  loadAtStart: number;
}

async function firstLine(file: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 20_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'not available';
  }
}

export async function describeMachine(): Promise<Machine> {
  const model = cpus()[0]?.model?.trim() || 'unknown';
  let kernel = 'unknown';
  try {
    kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim();
  } catch {
    // not Linux
  }
  const [openssl, aws, moto] = await Promise.all([
    firstLine('openssl', ['version']),
    firstLine('/usr/bin/aws', ['--version']),
    firstLine('python3', ['-c', 'import moto; print("moto " + moto.__version__)']),
  ]);
  return {
    cpu: model,
    cores: cpus().length,
    ramGiB: Math.round(totalmem() / 1024 ** 3),
    kernel,
    node: process.version,
    openssl,
    aws,
    moto,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAtStart: loadavg()[0] ?? 0,
  };
}
