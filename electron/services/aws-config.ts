import { awsConfigPaths, readIni } from '../engine/aws-files';

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
