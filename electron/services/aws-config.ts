import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How a profile in ~/.aws gets its credentials; decides what "sign in again" means. */
import type { AwsProfileKind } from '../../shared/targets';

export type { AwsProfileKind };

/** A profile in ~/.aws/config or ~/.aws/credentials: names and settings, never a secret. */
export interface AwsProfileInfo {
  name: string;
  kind: AwsProfileKind;
  /** The profile's `region`, if it sets one. */
  region: string | null;
}

export interface AwsConfigPaths {
  config: string;
  credentials: string;
}

/** Where the AWS CLI and SDK look: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws. */
export function awsConfigPaths(env: NodeJS.ProcessEnv = process.env): AwsConfigPaths {
  // The SDK takes HOME before the OS's idea of the home folder; so do we.
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

type Sections = Map<string, Map<string, string>>;

/**
 * The profiles both files define, sorted by name. Only what the picker and
 * the credential summary show is read: names, kinds and regions. Resolving
 * credentials is the SDK's job (see credentials.ts). The files are small and
 * read synchronously, so an error message can say what kind a profile is.
 */
export function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): AwsProfileInfo[] {
  const paths = awsConfigPaths(env);
  const config = readIni(paths.config);
  const credentials = readIni(paths.credentials);
  const profiles = new Map<string, Map<string, string>>();
  for (const [section, values] of config) {
    const name = section === 'default' ? 'default' : /^profile\s+(.+)$/.exec(section)?.[1]?.trim();
    if (name) profiles.set(name, new Map(values));
  }
  for (const [name, values] of credentials) {
    const merged = profiles.get(name) ?? new Map<string, string>();
    for (const [key, value] of values) if (!merged.has(key)) merged.set(key, value);
    profiles.set(name, merged);
  }
  return [...profiles.entries()]
    .map(([name, values]) => ({ name, kind: kindOf(values), region: values.get('region') ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function kindOf(values: Map<string, string>): AwsProfileKind {
  if (values.has('sso_session') || values.has('sso_start_url')) return 'sso';
  if (values.has('role_arn') && values.has('web_identity_token_file')) return 'web-identity';
  if (values.has('role_arn')) return 'assume-role';
  if (values.has('credential_process')) return 'process';
  if (values.has('aws_access_key_id')) return 'keys';
  return 'other';
}

function readIni(path: string): Sections {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  return parseIni(text);
}

/** The AWS INI dialect: `[section]`, `key = value`, `#`/`;` comments, indented sub-settings skipped. */
export function parseIni(text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      const name = (header[1] ?? '').trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    // Indented lines belong to a nested setting (e.g. `s3 =` then `  addressing_style = path`).
    if (!current || /^\s/.test(raw)) continue;
    const eq = raw.indexOf('=');
    if (eq < 0) continue;
    const key = raw.slice(0, eq).trim().toLowerCase();
    const value = raw.slice(eq + 1).trim();
    if (key) current.set(key, value);
  }
  return sections;
}
