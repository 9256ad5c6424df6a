// The AWS CLI's shared files, read the way the CLI and the SDK read them:
// the credential service lists profiles from them (services/aws-config.ts),
// the network layer reads a profile's `ca_bundle` (network.ts).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

export type Sections = Map<string, Map<string, string>>;

/** A missing or unreadable file has no sections, as for the CLI. */
export function readIni(path: string): Sections {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  return parseIni(text);
}

/** The settings of a profile in the config file: `[default]` or `[profile NAME]`. */
export function configProfile(config: Sections, name: string): Map<string, string> | undefined {
  return name === 'default' ? config.get('default') : config.get(`profile ${name}`);
}

/** The AWS INI dialect: `[section]`, `key = value`, `#`/`;` comments, indented sub-settings skipped. */
export function parseIni(text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      // `[profile  lab]` names the profile "lab", as for the CLI.
      const name = (header[1] ?? '').trim().replace(/^profile\s+/, 'profile ');
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
