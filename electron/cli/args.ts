import { parseArgs } from 'node:util';
import { UPLOAD_STATUSES, type UploadStatus } from '../../shared/types';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: labdrop <command> [options]

Commands:
  upload <files or folders…> --bucket B [--prefix P]   hash, upload and verify
  resume [ID | --all]                                  finish paused or interrupted uploads
  pause ID                                             pause an upload (also one running elsewhere)
  cancel ID                                            stop an upload and remove its parts
  history [--status S] [--search T] [--json | --csv]   what was uploaded, when, with which MD5
  demo                                                 try it all against a local demo endpoint

Upload options:
  --bucket B          the bucket the center gave you (required)
  --prefix P          folder in the bucket, e.g. "center/study-42"
  --endpoint URL      an S3-compatible endpoint instead of AWS
  --region R          AWS region (default: AWS_REGION, else us-east-1)
  --profile NAME      AWS profile from ~/.aws (default: AWS_PROFILE, else the default chain)
  --concurrency N     parallel part uploads (default 8)
  --part-size MiB     part size in MiB (default 8; grown for files over 80 GiB)
  --yes               upload even where keys would be skipped by the sync job
  --json              JSON lines instead of the live display

IDs: the first 8 characters shown by \`labdrop history\` are enough.
Credentials come from the standard AWS chain: environment variables, or
~/.aws/credentials and ~/.aws/config profiles (SSO and assume-role included).
Data lives in LABDROP_HOME when set, else the platform's app-data folder.`;

export type Command =
  | {
      name: 'upload';
      paths: string[];
      bucket: string;
      prefix: string;
      endpoint: string | null;
      region: string | null;
      profile: string | null;
      concurrency: number;
      partSizeMiB: number;
      yes: boolean;
      json: boolean;
    }
  | { name: 'resume'; id: string | null; json: boolean }
  | { name: 'pause'; id: string }
  | { name: 'cancel'; id: string }
  | {
      name: 'history';
      status: UploadStatus | null;
      search: string | null;
      format: 'table' | 'json' | 'csv';
    }
  | { name: 'demo'; json: boolean }
  | { name: 'help' }
  | { name: 'version' };

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
        yes: { type: 'boolean', short: 'y' },
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        all: { type: 'boolean' },
        status: { type: 'string' },
        search: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  switch (name) {
    case 'upload': {
      if (positionals.length === 0) throw new UsageError('Name the files or folders to upload.');
      if (!v.bucket) throw new UsageError('--bucket is required: the bucket the center gave you.');
      if (v.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(v.endpoint)) {
        throw new UsageError(
          `--endpoint must be a URL such as https://s3.example.org, not "${v.endpoint}".`,
        );
      }
      return {
        name,
        paths: positionals,
        bucket: v.bucket,
        prefix: v.prefix ?? '',
        endpoint: v.endpoint ?? null,
        region: v.region ?? null,
        profile: v.profile ?? null,
        concurrency: integer(v.concurrency, '--concurrency', 1, 64, 8),
        partSizeMiB: integer(v['part-size'], '--part-size', 5, 5120, 8),
        yes: v.yes ?? false,
        json: v.json ?? false,
      };
    }
    case 'resume':
      if (v.all ? positionals.length > 0 : positionals.length !== 1) {
        throw new UsageError('Give one upload ID, or --all.');
      }
      return { name, id: v.all ? null : (positionals[0] as string), json: v.json ?? false };
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
    default:
      throw new UsageError(`Unknown command "${name}".`);
  }
}
