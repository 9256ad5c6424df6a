import { parseArgs } from 'node:util';
import { MAX_PART_CONCURRENCY } from '../../shared/parts';
import { parseRate } from '../../shared/rate';
import { UPLOAD_STATUSES, type UploadStatus } from '../../shared/lifecycle';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: labdrop <command> [options]

Commands:
  upload <files or folders…> --bucket B [--prefix P]   hash, upload and verify
  resume [ID | --all] [--max-rate R]                   finish paused or interrupted uploads
  pause ID                                             pause an upload (also one running elsewhere)
  cancel ID                                            stop an upload and remove its parts
  history [--status S] [--search T] [--json | --csv]   what was uploaded, when, with which MD5
  demo                                                 try it all against a local demo endpoint

  whoami [--profile P] [--endpoint URL]                which AWS identity your credentials are
  check --bucket B [--prefix P] | --target NAME        will an upload there work? (exit 0 only if so)
  targets list                                         saved targets
  targets add [NAME] --bucket B [--prefix P] [--synapse synID] [--kms] [--accelerate]
                                                       save a target (also --endpoint, --region,
                                                       --profile, --submission-profile)
  targets remove NAME                                  forget a saved target
  profiles list                                        submission profiles (the center's is default)
  profiles import FILE [--replace]                     add a custom profile from a JSON file
  profiles export NAME [--output FILE]                 write a profile as JSON (default: stdout)
  diagnose [--json]                                    versions, settings, targets and the last
                                                       access check, to send the center (no keys)

Upload options:
  --bucket B          the bucket the center gave you (required unless --target)
  --prefix P          folder in the bucket, e.g. "center/study-42"
  --target NAME       a saved target: its bucket, folder, endpoint, region and profile
  --endpoint URL      an S3-compatible endpoint instead of AWS
  --region R          AWS region (default: AWS_REGION, else us-east-1)
  --profile NAME      AWS profile from ~/.aws (default: AWS_PROFILE, else the default chain)
  --concurrency N     parts in flight across all files (default 8); small files weigh
                      their share of a part and go up to 8 per part at once
  --part-size MiB     part size in MiB (default 8; grown for files over 80 GiB)
  --max-rate R        bandwidth limit for all files together, e.g. 40MB/s, 500KiB/s,
                      100Mbit/s (default: none; the app's Settings limit is not read)
  --yes               upload even where keys would be skipped by the sync job
  --replace           replace objects that differ from the files (only if unchanged since the review)
  --rename-for-synapse  rename keys Synapse refuses (é → e, others → _); local files stay as they are
  --kms               the bucket encrypts with SSE-KMS: send every file as a multipart upload
                      (found by itself where these credentials may read the bucket's encryption)
  --accelerate        through S3 Transfer Acceleration (AWS's edge network: for labs far from
                      the bucket's region; the bucket must have it on, see \`labdrop check\`)
  --json              JSON lines instead of the live display

Check, whoami and targets also take --endpoint, --region, --profile and --json;
check and targets add take --submission-profile NAME (default: center).
check signs in, finds the bucket and its region, reads whether it accepts the
center's grants, and tries an upload with them that it aborts at once:
nothing is left in the bucket.

IDs: the first 8 characters shown by \`labdrop history\` are enough.
Credentials come from the standard AWS chain: environment variables, or
~/.aws/credentials and ~/.aws/config profiles (SSO, assume-role and
credential_process included). Keys entered in the Labdrop app stay in the app.
HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured.
Data lives in LABDROP_HOME when set, else the platform's app-data folder; the
log of every upload is logs/labdrop.log there.`;

export type Command =
  | {
      name: 'upload';
      paths: string[];
      /** Saved target whose fields fill in what the flags leave out. */
      target: string | null;
      bucket: string;
      prefix: string;
      endpoint: string | null;
      region: string | null;
      profile: string | null;
      concurrency: number;
      partSizeMiB: number;
      /** Bytes per second for all uploads together; null: no limit. */
      maxRate: number | null;
      yes: boolean;
      json: boolean;
      replace: boolean;
      renameForSynapse: boolean;
      kms: boolean;
      accelerate: boolean;
    }
  | { name: 'resume'; id: string | null; json: boolean; maxRate: number | null }
  | { name: 'pause'; id: string }
  | { name: 'cancel'; id: string }
  | {
      name: 'history';
      status: UploadStatus | null;
      search: string | null;
      format: 'table' | 'json' | 'csv';
    }
  | { name: 'demo'; json: boolean }
  | {
      name: 'whoami';
      endpoint: string | null;
      region: string | null;
      profile: string | null;
      json: boolean;
    }
  | {
      name: 'check';
      target: string | null;
      bucket: string | null;
      prefix: string | null;
      endpoint: string | null;
      region: string | null;
      profile: string | null;
      submissionProfile: string | null;
      accelerate: boolean;
      json: boolean;
    }
  | { name: 'targets'; action: 'list'; json: boolean }
  | {
      name: 'targets';
      action: 'add';
      targetName: string | null;
      bucket: string;
      prefix: string;
      endpoint: string | null;
      region: string | null;
      profile: string | null;
      synapseId: string | null;
      submissionProfile: string | null;
      kms: boolean;
      accelerate: boolean;
    }
  | { name: 'targets'; action: 'remove'; target: string }
  | { name: 'profiles'; action: 'list'; json: boolean }
  | { name: 'profiles'; action: 'import'; file: string; replace: boolean }
  | { name: 'profiles'; action: 'export'; profile: string; output: string | null }
  | { name: 'diagnose'; json: boolean }
  | { name: 'help' }
  | { name: 'version' };

/** The parsed command named `N`, as its module takes it. */
export type CommandOf<N extends Command['name']> = Extract<Command, { name: N }>;

function integer(
  value: string | undefined,
  flag: string,
  min: number,
  max: number,
  fallback: number,
) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return n;
}

function maxRate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = parseRate(value);
  if (!parsed.ok) throw new UsageError(`--max-rate: ${parsed.message}`);
  return parsed.rate;
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`Give exactly one ${what}.`);
  return positionals[0] as string;
}

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    return { name: 'help' };
  }
  if (name === '--version' || name === '-v') return { name: 'version' };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        profile: { type: 'string' },
        concurrency: { type: 'string' },
        'part-size': { type: 'string' },
        'max-rate': { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'rename-for-synapse': { type: 'boolean' },
        kms: { type: 'boolean' },
        accelerate: { type: 'boolean' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        all: { type: 'boolean' },
        status: { type: 'string' },
        search: { type: 'string' },
        target: { type: 'string' },
        synapse: { type: 'string' },
        'submission-profile': { type: 'string' },
        output: { type: 'string', short: 'o' },
        replace: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  const command = FLAGS[`${name} ${positionals[0]}`] ? `${name} ${positionals[0]}` : name;
  const applies = FLAGS[command];
  const stray = applies && Object.keys(v).find((flag) => !applies.includes(flag));
  if (stray) throw new UsageError(`--${stray} does not apply to \`labdrop ${command}\`.`);
  switch (name) {
    case 'upload': {
      if (positionals.length === 0) throw new UsageError('Name the files or folders to upload.');
      if (!v.bucket && !v.target) {
        throw new UsageError(
          '--bucket is required: the bucket the center gave you (or --target NAME).',
        );
      }
      checkEndpoint(v.endpoint);
      return {
        name,
        paths: positionals,
        target: v.target ?? null,
        bucket: v.bucket ?? '',
        prefix: v.prefix ?? '',
        endpoint: v.endpoint ?? null,
        region: v.region ?? null,
        profile: v.profile ?? null,
        concurrency: integer(v.concurrency, '--concurrency', 1, MAX_PART_CONCURRENCY, 8),
        partSizeMiB: integer(v['part-size'], '--part-size', 5, 5120, 8),
        maxRate: maxRate(v['max-rate']),
        yes: v.yes ?? false,
        json: v.json ?? false,
        replace: v.replace ?? false,
        renameForSynapse: v['rename-for-synapse'] ?? false,
        kms: v.kms ?? false,
        accelerate: v.accelerate ?? false,
      };
    }
    case 'resume':
      if (v.all ? positionals.length > 0 : positionals.length !== 1) {
        throw new UsageError('Give one upload ID, or --all.');
      }
      return {
        name,
        id: v.all ? null : (positionals[0] as string),
        json: v.json ?? false,
        maxRate: maxRate(v['max-rate']),
      };
    case 'pause':
    case 'cancel':
      return { name, id: one(positionals, 'upload ID') };
    case 'history': {
      if (v.json && v.csv) throw new UsageError('Choose one of --json and --csv.');
      const status = v.status ?? null;
      if (status !== null && !UPLOAD_STATUSES.includes(status as UploadStatus)) {
        throw new UsageError(`--status must be one of ${UPLOAD_STATUSES.join(', ')}.`);
      }
      return {
        name,
        status: status as UploadStatus | null,
        search: v.search ?? null,
        format: v.json ? 'json' : v.csv ? 'csv' : 'table',
      };
    }
    case 'demo':
      return { name, json: v.json ?? false };
    case 'whoami':
      if (positionals.length > 0) throw new UsageError('whoami takes no arguments, only options.');
      checkEndpoint(v.endpoint);
      return {
        name,
        endpoint: v.endpoint ?? null,
        region: v.region ?? null,
        profile: v.profile ?? null,
        json: v.json ?? false,
      };
    case 'check':
      if (positionals.length > 0) throw new UsageError('check takes no arguments, only options.');
      if (!v.bucket && !v.target) {
        throw new UsageError('Name the bucket to check with --bucket B, or a saved --target NAME.');
      }
      checkEndpoint(v.endpoint);
      return {
        name,
        target: v.target ?? null,
        bucket: v.bucket ?? null,
        prefix: v.prefix ?? null,
        endpoint: v.endpoint ?? null,
        region: v.region ?? null,
        profile: v.profile ?? null,
        submissionProfile: v['submission-profile'] ?? null,
        accelerate: v.accelerate ?? false,
        json: v.json ?? false,
      };
    case 'targets':
      return parseTargets(positionals, v);
    case 'profiles':
      return parseProfiles(positionals, v);
    case 'diagnose':
      if (positionals.length > 0) throw new UsageError('diagnose takes no arguments, only --json.');
      return { name, json: v.json ?? false };
    default:
      throw new UsageError(`Unknown command "${name}".`);
  }
}

const TARGET_FLAGS = ['bucket', 'prefix', 'endpoint', 'region', 'profile'];

/**
 * The flags each command reads: any other is refused rather than ignored
 * (`resume --concurrency 1` would otherwise run at full speed without a word).
 */
const FLAGS: Readonly<Record<string, readonly string[]>> = {
  upload: [
    ...TARGET_FLAGS,
    'target',
    'concurrency',
    'part-size',
    'max-rate',
    'yes',
    'json',
    'replace',
    'rename-for-synapse',
    'kms',
    'accelerate',
  ],
  resume: ['all', 'json', 'max-rate'],
  pause: [],
  cancel: [],
  history: ['status', 'search', 'json', 'csv'],
  demo: ['json'],
  whoami: ['endpoint', 'region', 'profile', 'json'],
  check: [...TARGET_FLAGS, 'target', 'submission-profile', 'accelerate', 'json'],
  'targets list': ['json'],
  'targets add': [...TARGET_FLAGS, 'synapse', 'submission-profile', 'kms', 'accelerate'],
  'targets remove': [],
  'profiles list': ['json'],
  'profiles import': ['replace'],
  'profiles export': ['output'],
  diagnose: ['json'],
};

/** The words a command line starts with: each command's name, help and version. */
const COMMAND_WORDS: ReadonlySet<string> = new Set([
  ...Object.keys(FLAGS).map((command) => command.split(' ')[0] as string),
  ...['help', '--help', '-h', '--version', '-v'],
]);

/**
 * The command line when the desktop app was started as the `labdrop` command
 * (`labdrop upload …`), or null when it should open its window. `argv` is
 * Electron's process.argv: the executable, the app's folder when it runs
 * unpackaged (`electron .`, `defaultApp`), then what was typed. Switches for
 * Electron itself (`--no-sandbox`) may come before the command; Finder's
 * `-psn_…` or no arguments at all open the window.
 */
export function appCommandLine(argv: readonly string[], defaultApp: boolean): string[] | null {
  const typed = argv.slice(defaultApp ? 2 : 1);
  const start = typed.findIndex((arg) => COMMAND_WORDS.has(arg) || !arg.startsWith('-'));
  return start >= 0 && COMMAND_WORDS.has(typed[start] as string) ? typed.slice(start) : null;
}

function checkEndpoint(endpoint: string | undefined): void {
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new UsageError(
      `--endpoint must be a URL such as https://s3.example.org, not "${endpoint}".`,
    );
  }
}

interface Values {
  bucket?: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  json?: boolean;
  synapse?: string;
  'submission-profile'?: string;
  output?: string;
  replace?: boolean;
  kms?: boolean;
  accelerate?: boolean;
}

function parseTargets(positionals: string[], v: Values): Command {
  const [action, ...rest] = positionals;
  switch (action) {
    case 'list':
      if (rest.length > 0) throw new UsageError('targets list takes no arguments.');
      return { name: 'targets', action, json: v.json ?? false };
    case 'add':
      if (rest.length > 1) throw new UsageError('Give at most one name for the target.');
      if (!v.bucket) throw new UsageError('--bucket is required: the bucket the center gave you.');
      checkEndpoint(v.endpoint);
      return {
        name: 'targets',
        action,
        targetName: rest[0] ?? null,
        bucket: v.bucket,
        prefix: v.prefix ?? '',
        endpoint: v.endpoint ?? null,
        region: v.region ?? null,
        profile: v.profile ?? null,
        synapseId: v.synapse ?? null,
        submissionProfile: v['submission-profile'] ?? null,
        kms: v.kms ?? false,
        accelerate: v.accelerate ?? false,
      };
    case 'remove':
      return { name: 'targets', action, target: one(rest, 'target name') };
    default:
      throw new UsageError('Use `labdrop targets list`, `targets add` or `targets remove NAME`.');
  }
}

function parseProfiles(positionals: string[], v: Values): Command {
  const [action, ...rest] = positionals;
  switch (action) {
    case 'list':
      if (rest.length > 0) throw new UsageError('profiles list takes no arguments.');
      return { name: 'profiles', action, json: v.json ?? false };
    case 'import':
      return {
        name: 'profiles',
        action,
        file: one(rest, 'profile file (JSON)'),
        replace: v.replace ?? false,
      };
    case 'export':
      return {
        name: 'profiles',
        action,
        profile: one(rest, 'profile name'),
        output: v.output ?? null,
      };
    default:
      throw new UsageError(
        'Use `labdrop profiles list`, `profiles import FILE` or `profiles export NAME`.',
      );
  }
}
