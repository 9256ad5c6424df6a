// The clients the bench times, as child processes: `labdrop upload` (the
// built CLI) and the documented workflow, with the environment both run in.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CENTER_PROFILE } from '../../shared/profile';
import { check, timed, type Timed } from './processes';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin/labdrop.js');
const WORKFLOW = join(ROOT, 'tests/bench/documented-workflow.sh');
export const BUCKET = 'bench';
export const GRANTS = CENTER_PROFILE.fullControlIds.map((id) => `id=${id}`).join(',');

/** Dummy credentials and a config of its own under `home`; nothing of the user's. */
export function env(home: string): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  delete inherited.AWS_PROFILE;
  delete inherited.AWS_ENDPOINT_URL;
  return {
    ...inherited,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_PAGER: '',
    LABDROP_HOME: join(home, 'labdrop'),
  };
}

export async function labdropUpload(
  home: string,
  endpointUrl: string,
  path: string,
  prefix: string,
  extra: { sampleRss?: number; cpuProf?: string; args?: string[] } = {},
): Promise<Timed> {
  const args = [
    ...(extra.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${extra.cpuProf}`] : []),
    CLI,
    'upload',
    path,
    '--bucket',
    BUCKET,
    '--prefix',
    prefix,
    '--endpoint',
    endpointUrl,
    '--yes',
    '--json',
    ...(extra.args ?? []),
  ];
  await rm(join(home, 'labdrop'), { recursive: true, force: true });
  return check(
    'labdrop upload',
    await timed(process.execPath, args, {
      env: env(home),
      lines: true,
      sampleRss: extra.sampleRss,
    }),
  );
}

/** `tests/bench/documented-workflow.sh` over `files`; keys are prefix/ + the path below `root`. */
export async function documentedUpload(
  home: string,
  endpointUrl: string,
  root: string,
  files: string[],
  prefix: string,
): Promise<Timed> {
  return check(
    'the documented workflow',
    await timed('bash', [WORKFLOW, endpointUrl, BUCKET, prefix, GRANTS, root, ...files], {
      env: env(home),
    }),
  );
}

/** Seconds from spawn to each status Labdrop printed first (--json). */
export function phases(run: Timed): Record<string, number> {
  const first: Record<string, number> = {};
  for (const { at, line } of run.lines) {
    if (!line.startsWith('{"type":"status"')) continue;
    const status = (JSON.parse(line) as { status: string }).status;
    first[status] ??= at;
  }
  return first;
}
