// What a lab sends the center with its log: versions, settings, saved targets
// and the last access check. One builder for Settings' "Copy diagnostics" and
// `labdrop diagnose`. Never a secret: whether keys are stored, not what they are.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch, release, type, version } from 'node:os';
import { dirname, join } from 'node:path';
import { SETTINGS_FILE } from '../engine/app-home';
import type { AccessReport, SavedTarget } from '../../shared/targets';
import { checkedPlace, type LogSource } from './activity-log';
import { redactSecrets } from './service-error';
import type { TargetServices } from './target-services';

/** The last "Check access" (app) or `labdrop check` (command line), next to the database. */
export const LAST_CHECK_FILE = 'last-access-check.json';

export interface LastCheck {
  /** ISO time. */
  at: string;
  report: AccessReport;
}

/** Keeps the report of the check just made; a convenience, never a reason for the check to fail. */
export function saveLastCheck(home: string, report: AccessReport, now = Date.now()): void {
  const path = join(home, LAST_CHECK_FILE);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    const last: LastCheck = { at: new Date(now).toISOString(), report };
    writeFileSync(temp, `${JSON.stringify(last, null, 2)}\n`);
    renameSync(temp, path);
  } catch {
    // The diagnostics then show the check before, or none.
  }
}

/** Environment variables named by value (not secret) and those only said to be set. */
const SHOWN_ENV = ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'LABDROP_HOME'];
const SET_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CA_BUNDLE',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];

export interface Diagnostics {
  /** ISO time. */
  generatedAt: string;
  versions: {
    labdrop: string;
    runningAs: LogSource;
    electron: string | null;
    chrome: string | null;
    node: string;
    os: string;
    platform: string;
    arch: string;
  };
  folders: { data: string; log: string };
  /** settings.json as saved (null: none, the defaults apply); a password in a URL is masked. */
  settings: unknown;
  credentials: {
    /** Names of the keys stored by the app (encrypted in its database), never the keys. */
    storedKeys: Array<{ name: string; region: string | null }>;
    /** Profiles in ~/.aws and the kind of each. */
    awsProfiles: Array<{ name: string; kind: string; region: string | null }>;
    /** Each variable by value, or 'set' (never the value of a key, a token or a proxy). */
    environment: Record<string, string>;
  };
  submissionProfiles: Array<{ name: string; fullControlIds: string[]; md5MetadataKey: string }>;
  targets: SavedTarget[];
  lastAccessCheck: LastCheck | null;
}

export interface DiagnosticsSources {
  /** The data folder: settings.json, the database, the last check. */
  home: string;
  logFile: string;
  version: string;
  runningAs: LogSource;
  services: Pick<TargetServices, 'credentials' | 'profiles' | 'targets'>;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export function buildDiagnostics(sources: DiagnosticsSources): Diagnostics {
  const env = sources.env ?? process.env;
  const { credentials, profiles, targets } = sources.services;
  const environment: Record<string, string> = {};
  for (const name of SHOWN_ENV) if (env[name]) environment[name] = env[name];
  for (const name of SET_ENV) if (env[name]) environment[name] = 'set';
  return {
    generatedAt: new Date((sources.now ?? Date.now)()).toISOString(),
    versions: {
      labdrop: sources.version,
      runningAs: sources.runningAs,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      node: process.versions.node,
      os: `${type()} ${release()} (${version()})`,
      platform: process.platform,
      arch: arch(),
    },
    folders: { data: sources.home, log: sources.logFile },
    settings: maskUrlPasswords(readJson(join(sources.home, SETTINGS_FILE))),
    credentials: {
      storedKeys: credentials.listStoredKeys().map(({ name, region }) => ({ name, region })),
      awsProfiles: credentials
        .choices()
        .filter((choice) => choice.source === 'aws-config')
        .map(({ name, kind, region }) => ({ name: name ?? '', kind, region })),
      environment,
    },
    submissionProfiles: profiles.list().map(({ name, fullControlIds, md5MetadataKey }) => ({
      name,
      fullControlIds,
      md5MetadataKey,
    })),
    targets: targets.list(),
    lastAccessCheck: lastCheckIn(readJson(join(sources.home, LAST_CHECK_FILE))),
  };
}

/** The diagnostics as text to paste into a message to the center. */
export function formatDiagnostics(d: Diagnostics): string {
  const { versions: v, credentials: c } = d;
  const lines = [
    `Labdrop diagnostics, ${d.generatedAt}`,
    '',
    'Versions',
    `  Labdrop     ${v.labdrop} (${v.runningAs === 'app' ? 'the app' : 'the command line'})`,
    ...(v.electron ? [`  Electron    ${v.electron} (Chrome ${v.chrome ?? '?'})`] : []),
    `  Node        ${v.node}`,
    `  OS          ${v.os}, ${v.platform} ${v.arch}`,
    '',
    'Folders',
    `  Data        ${d.folders.data}`,
    `  Log         ${d.folders.log}`,
    '',
    'Settings',
    ...(d.settings === null ? ['  (none saved: the defaults)'] : indent(d.settings)),
    '',
    'Credentials (never the keys themselves)',
    `  Keys stored by Labdrop: ${
      c.storedKeys.length === 0
        ? 'none'
        : `yes, ${c.storedKeys.map((k) => `"${k.name}"${k.region ? ` (${k.region})` : ''}`).join(', ')}`
    }`,
    `  Profiles in ~/.aws: ${
      c.awsProfiles.length === 0
        ? 'none'
        : c.awsProfiles
            .map((p) => `"${p.name}" (${p.kind}${p.region ? `, ${p.region}` : ''})`)
            .join(', ')
    }`,
    ...Object.entries(c.environment).map(([name, value]) => `  ${name}=${value}`),
    '',
    'Submission profiles',
    ...d.submissionProfiles.map(
      (p) =>
        `  ${p.name}: full control for ${p.fullControlIds.join(', ')}; checksum in x-amz-meta-${p.md5MetadataKey}`,
    ),
    '',
    'Saved targets',
    ...(d.targets.length === 0 ? ['  (none)'] : d.targets.map(targetLine)),
    '',
    'Last access check',
    ...lastCheckLines(d.lastAccessCheck),
  ];
  return redactSecrets(lines.join('\n'));
}

/** The diagnostics as JSON (`labdrop diagnose --json`), masked as the text is. */
export function diagnosticsJson(d: Diagnostics): string {
  return redactSecrets(JSON.stringify(d, null, 2));
}

function targetLine(t: SavedTarget): string {
  const extras = [
    t.endpoint ? `endpoint ${t.endpoint}` : 'AWS S3',
    `region ${t.region}`,
    `profile ${t.awsProfile ?? 'default'}`,
    `submission profile ${t.submissionProfile}`,
    ...(t.synapseId ? [`Synapse ${t.synapseId}`] : []),
    ...(t.kms ? ['SSE-KMS'] : []),
    t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toISOString()}` : 'never used',
  ];
  return `  ${t.name}: s3://${t.bucket}/${t.prefix} (${extras.join(', ')})`;
}

function lastCheckLines(last: LastCheck | null): string[] {
  if (!last) return ['  (none yet)'];
  const { report, at } = last;
  const verdict = report.ok
    ? 'an upload will work'
    : `uploads would fail${report.problem ? ` (${report.problem.code})` : ''}`;
  return [
    `  ${at}: ${checkedPlace(report.target)}: ${verdict}`,
    ...(report.identity?.arn ? [`  Identity: ${report.identity.arn}`] : []),
    ...report.steps.map((s) => `    ${s.status.padEnd(8)} ${s.step.padEnd(12)} ${s.message}`),
    ...report.warnings.map((w) => `    warning: ${w}`),
  ];
}

/** The saved check, unless the file is not one (written by hand, or cut short). */
function lastCheckIn(saved: unknown): LastCheck | null {
  const last = saved as Partial<LastCheck> | null;
  const report = last?.report;
  const valid =
    typeof last?.at === 'string' &&
    Array.isArray(report?.steps) &&
    Array.isArray(report?.warnings) &&
    typeof report?.target?.bucket === 'string';
  return valid ? (last as LastCheck) : null;
}

function indent(value: unknown): string[] {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `  ${line}`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** `http://user:secret@proxy:3128` becomes `http://user:***@proxy:3128`, at any depth. */
function maskUrlPasswords(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/(\/\/[^/@:\s]+:)[^/@\s]+@/g, '$1***@');
  if (Array.isArray(value)) return value.map(maskUrlPasswords);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUrlPasswords(v)]));
  }
  return value;
}
