import type { HashPool } from '../engine/hash-pool';
import { parseCommand, USAGE, UsageError, type Command } from './args';
import { cancel } from './commands/cancel';
import { check } from './commands/check';
import { demo } from './commands/demo';
import { diagnose } from './commands/diagnose';
import { history } from './commands/history';
import { pause } from './commands/pause';
import { profiles } from './commands/profiles';
import { resume } from './commands/resume';
import { targets } from './commands/targets';
import { upload } from './commands/upload';
import { whoami } from './commands/whoami';
import { err, EXIT, out } from './io';

declare const __LABDROP_VERSION__: string;

/**
 * Runs one command and returns its exit code (see EXIT in io.ts). An upload
 * uses `hasher` when given (see entry.ts: it may already be hashing the files).
 */
export async function run(argv: string[], hasher?: HashPool): Promise<number> {
  try {
    return await dispatch(argv, hasher);
  } catch (error) {
    err(`labdrop: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}

async function dispatch(argv: string[], hasher: HashPool | undefined): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`labdrop: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  switch (command.name) {
    case 'help':
      out(USAGE);
      return EXIT.ok;
    case 'version':
      out(__LABDROP_VERSION__);
      return EXIT.ok;
    case 'upload':
      return upload(command, hasher);
    case 'resume':
      return resume(command);
    case 'pause':
      return pause(command);
    case 'cancel':
      return cancel(command);
    case 'history':
      return history(command);
    case 'demo':
      return demo(command);
    case 'whoami':
      return whoami(command);
    case 'check':
      return check(command);
    case 'targets':
      return targets(command);
    case 'profiles':
      return profiles(command);
    case 'diagnose':
      return diagnose(command, __LABDROP_VERSION__);
  }
}
