// The `labdrop` command, from its arguments to its exit code: under Node
// (entry.ts, the npm package's bin/labdrop.js) and inside the desktop app when
// it is started as the command (electron/main.ts). Before an upload can be
// created its file must be hashed (the whole-file MD5 is the object's
// metadata), so for `labdrop upload FILE…` the hash pool starts on the named
// files first, and the rest of the tool (the AWS SDK and the database, a tenth
// of a second to load) loads and checks the bucket meanwhile. The queue then
// takes those hashes over.
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { MiB } from '../../shared/parts';
import { HashPool } from '../engine/hash-pool';
import { parseCommand } from './args';

/**
 * Runs one command; resolves with its exit code once its output has been
 * handed on. The caller exits with it: process.exit() drops what stdout and
 * stderr have not written yet (a pipe is written asynchronously: `labdrop
 * history --json | jq` lost the end), and exiting by itself instead would
 * wait for the hash pool and sockets.
 */
export async function runCommandLine(argv: string[]): Promise<number> {
  // The AWS SDK warns under Node.js 20 that its releases from 2027 need Node 22:
  // a note for whoever updates Labdrop's pinned SDK, which a user of the command
  // cannot act on; it printed into the progress display of every upload.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Once the terminal is closed (SIGHUP) or the reader of a pipe has gone
  // (`| head`), writes fail with EIO or EPIPE: the command carries on without
  // its output, above all an upload pausing so that it can be resumed.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // Only a head start: if it fails, run() hashes the usual way and reports any problem.
  const hasher = await startHashing(argv).catch(() => undefined);
  const { run } = await import('./main');
  const code = await run(argv, hasher);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  return code;
}

/** Resolves once everything written to the stream before has been handed on, or it failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** For an upload, a hash pool already hashing the first files named (as many as it has threads). */
async function startHashing(args: string[]): Promise<HashPool | undefined> {
  let command;
  try {
    command = parseCommand(args);
  } catch {
    return undefined; // run() explains
  }
  if (command.name !== 'upload') return undefined;
  const threads = availableParallelism();
  const pool = new HashPool({ threads });
  const files: string[] = [];
  for (const path of command.paths) {
    if (files.length === threads) break;
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) files.push(path);
  }
  pool.prefetch(files, { partSize: command.partSizeMiB * MiB });
  return pool;
}
