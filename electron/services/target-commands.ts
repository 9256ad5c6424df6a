import { readFile, writeFile } from 'node:fs/promises';
import { normalizePrefix } from '../../shared/keys';
import { CENTER_PROFILE, CENTER_PROFILE_NAME, type SubmissionProfile } from '../../shared/profile';
import type { Command } from '../cli/args';
import { regionFromEnv } from '../engine/s3-client';
import type { Store } from '../engine/store';
import type { AccessReport, AccessTarget } from './access';
import type { CredentialSummary } from './credentials';
import { ProfileStore } from './profiles';
import { ServiceError, toProblem } from './service-error';
import { createTargetServices, type TargetServices } from './target-services';
import { TargetStore } from './targets';

/**
 * The command line's whoami, check, targets and profiles: text (or JSON)
 * over the same target services the app calls. Exit codes as in the CLI:
 * 0 done (for check: an upload there would succeed), 1 it would not or the
 * credentials failed, 2 bad input.
 */

export type TargetCommand = Extract<Command, { name: 'whoami' | 'check' | 'targets' | 'profiles' }>;

export interface CommandIO {
  out(line?: string): void;
  err(line: string): void;
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export async function runTargetCommand(
  command: TargetCommand,
  io: CommandIO,
  options: { store: Store; env?: NodeJS.ProcessEnv },
): Promise<number> {
  const env = options.env ?? process.env;
  // The command line has no keychain: keys stored by the app stay in the app.
  const services = createTargetServices({ store: options.store, secrets: null, env });
  try {
    switch (command.name) {
      case 'whoami':
        return await whoami(services, command, io, env);
      case 'check':
        return await check(services, command, io, env);
      case 'targets':
        return await targets(services, command, io, env);
      case 'profiles':
        return await profiles(services, command, io);
    }
  } catch (error) {
    if (error instanceof ServiceError) {
      for (const line of error.message.split('\n')) io.err(`labdrop: ${line}`);
      return EXIT.usage;
    }
    const problem = toProblem(error, { bucket: '', endpoint: null });
    io.err(`labdrop: ${problem.message}`);
    return EXIT.failed;
  } finally {
    services.close();
  }
}

function defaultRegion(services: TargetServices, profile: string | null, env: NodeJS.ProcessEnv) {
  return services.credentials.regionOf(profile) ?? regionFromEnv(env);
}

async function whoami(
  services: TargetServices,
  command: Extract<TargetCommand, { name: 'whoami' }>,
  io: CommandIO,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const profile = command.profile ?? env.AWS_PROFILE ?? null;
  const source = {
    endpoint: command.endpoint,
    region: command.region ?? defaultRegion(services, profile, env),
    awsProfile: profile,
  };
  let me;
  try {
    me = await services.whoami(source);
  } catch (error) {
    io.err(`labdrop: ${toProblem(error, { bucket: '', endpoint: source.endpoint }).message}`);
    return EXIT.failed;
  }
  const code = me.identity ? EXIT.ok : EXIT.failed;
  if (command.json) {
    io.out(JSON.stringify(me));
    return code;
  }
  printCredentials(me.credentials, io);
  if (me.identity) {
    io.out(`Account      ${me.identity.account ?? '(not said)'}`);
    io.out(`Identity     ${me.identity.arn ?? '(not said)'}`);
  }
  if (me.problem) io.err(`labdrop: ${me.problem.message}`);
  return code;
}

function printCredentials(summary: CredentialSummary, io: CommandIO): void {
  const kinds: Record<string, string> = {
    keys: 'access keys in ~/.aws',
    sso: 'AWS SSO sign-in',
    'assume-role': 'assumed role',
    process: 'credential_process',
    'web-identity': 'web identity',
    'app-keys': 'keys stored by the Labdrop app',
    environment: 'environment variables',
    'default-chain': 'default AWS credentials',
    other: '~/.aws',
  };
  io.out(`Profile      ${summary.profile ?? '(default)'} (${kinds[summary.kind] ?? summary.kind})`);
  io.out(`Key ID       …${summary.keyIdLast4 ?? '????'}`);
  io.out(`Region       ${summary.region ?? '(not set)'}`);
  io.out(
    `Expires      ${summary.expiresAt ? `${isoMinute(summary.expiresAt)} (in ${minutesFrom(summary.expiresAt)})` : 'never (long-term keys)'}`,
  );
}

async function check(
  services: TargetServices,
  command: Extract<TargetCommand, { name: 'check' }>,
  io: CommandIO,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const saved = command.target ? services.targets.require(command.target) : null;
  const profile = command.profile ?? saved?.awsProfile ?? env.AWS_PROFILE ?? null;
  const target: AccessTarget = {
    bucket: command.bucket ?? saved?.bucket ?? '',
    prefix: normalizePrefix(command.prefix ?? saved?.prefix ?? ''),
    endpoint: command.endpoint ?? saved?.endpoint ?? null,
    region: command.region ?? saved?.region ?? defaultRegion(services, profile, env),
    awsProfile: profile,
  };
  const submissionProfile =
    command.submissionProfile ?? saved?.submissionProfile ?? CENTER_PROFILE_NAME;
  const report = await services.checkAccess(target, submissionProfile);
  if (report.ok && saved) services.targets.markUsed(saved.id);
  if (command.json) {
    io.out(JSON.stringify(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  printReport(report, io);
  return report.ok ? EXIT.ok : EXIT.failed;
}

function printReport(report: AccessReport, io: CommandIO): void {
  const { target } = report;
  const where = `s3://${target.bucket}/${target.prefix}`;
  io.out(`Checking ${where}${target.endpoint ? ` at ${target.endpoint}` : ''}`);
  for (const step of report.steps) {
    io.out(`  ${step.status.padEnd(8)} ${step.step.padEnd(12)} ${step.message}`);
  }
  for (const warning of report.warnings) io.err(`warning: ${warning}`);
  if (report.ok) {
    io.out(`An upload to ${where} will work.`);
  } else {
    io.err(`labdrop: ${report.problem?.message ?? `uploads to ${where} would fail.`}`);
  }
}

async function targets(
  services: TargetServices,
  command: Extract<TargetCommand, { name: 'targets' }>,
  io: CommandIO,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  switch (command.action) {
    case 'list': {
      const list = services.targets.list();
      if (command.json) {
        io.out(JSON.stringify(list));
        return EXIT.ok;
      }
      if (list.length === 0) {
        io.out('No saved targets. Save one with `labdrop targets add NAME --bucket B --prefix P`.');
        return EXIT.ok;
      }
      for (const t of list) {
        io.out(`${t.name}`);
        io.out(`    s3://${t.bucket}/${t.prefix}${t.endpoint ? ` at ${t.endpoint}` : ''}`);
        io.out(
          `    region ${t.region}, profile ${t.awsProfile ?? '(default)'}, submission profile ${t.submissionProfile}${t.synapseId ? `, Synapse ${t.synapseId}` : ''}`,
        );
      }
      return EXIT.ok;
    }
    case 'add': {
      const profile = command.profile;
      const saved = services.targets.add({
        name: command.targetName,
        bucket: command.bucket,
        prefix: command.prefix,
        endpoint: command.endpoint,
        region: command.region ?? defaultRegion(services, profile, env),
        awsProfile: profile,
        synapseId: command.synapseId,
        submissionProfile: command.submissionProfile ?? undefined,
      });
      io.out(
        `Saved target "${saved.name}": s3://${saved.bucket}/${saved.prefix} (region ${saved.region}). Check it with \`labdrop check --target "${saved.name}"\`.`,
      );
      return EXIT.ok;
    }
    case 'remove':
      if (!services.targets.remove(command.target)) {
        services.targets.require(command.target); // says which exist
      }
      io.out(`Removed the saved target "${command.target}".`);
      return EXIT.ok;
  }
}

async function profiles(
  services: TargetServices,
  command: Extract<TargetCommand, { name: 'profiles' }>,
  io: CommandIO,
): Promise<number> {
  switch (command.action) {
    case 'list': {
      const list = services.profiles.list();
      if (command.json) {
        io.out(JSON.stringify(list));
        return EXIT.ok;
      }
      for (const p of list) {
        io.out(
          `${p.name}${p.isDefault ? ' (default)' : ''}${p.builtIn ? ", the center's preset" : ''}`,
        );
        io.out(`    metadata ${p.md5MetadataKey} = base64 of the whole file's MD5`);
        for (const id of p.fullControlIds) io.out(`    full control: ${id}`);
      }
      return EXIT.ok;
    }
    case 'import': {
      let text: string;
      try {
        text = await readFile(command.file, 'utf8');
      } catch (error) {
        throw new ServiceError(
          'FileUnreadable',
          `Cannot read ${command.file} (${(error as { code?: string }).code ?? String(error)}).`,
        );
      }
      const profile = services.profiles.importJson(text, { replace: command.replace });
      io.out(
        `Imported the submission profile "${profile.name}" (${profile.fullControlIds.length} canonical ID${profile.fullControlIds.length === 1 ? '' : 's'}).`,
      );
      return EXIT.ok;
    }
    case 'export': {
      const text = services.profiles.exportJson(command.profile);
      if (command.output === null) {
        io.out(text.trimEnd());
        return EXIT.ok;
      }
      try {
        await writeFile(command.output, text);
      } catch (error) {
        throw new ServiceError(
          'FileUnwritable',
          `Cannot write ${command.output} (${(error as { code?: string }).code ?? String(error)}).`,
        );
      }
      io.out(`Wrote the submission profile "${command.profile}" to ${command.output}.`);
      return EXIT.ok;
    }
  }
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function minutesFrom(ms: number): string {
  const minutes = Math.round((ms - Date.now()) / 60_000);
  if (minutes < 0) return 'already expired';
  return minutes < 120 ? `${minutes} minutes` : `${Math.round(minutes / 60)} hours`;
}

export interface UploadTarget {
  bucket: string;
  prefix: string;
  endpoint: string | null;
  region: string | null;
  awsProfile: string | null;
  synapseId: string | null;
  submissionProfile: SubmissionProfile;
}

/**
 * Where `labdrop upload` goes: the flags, with a saved target (--target)
 * filling in what they leave out. The target is marked as used.
 */
export function resolveUploadTarget(
  command: Extract<Command, { name: 'upload' }>,
  store: Store,
): UploadTarget | { problem: string } {
  const profiles = new ProfileStore(store);
  if (!command.target) {
    return {
      bucket: command.bucket,
      prefix: command.prefix,
      endpoint: command.endpoint,
      region: command.region,
      awsProfile: command.profile,
      synapseId: null,
      submissionProfile: CENTER_PROFILE,
    };
  }
  try {
    const targets = new TargetStore(store, profiles);
    const saved = targets.require(command.target);
    targets.markUsed(saved.id);
    return {
      bucket: command.bucket || saved.bucket,
      prefix: command.prefix || saved.prefix,
      endpoint: command.endpoint ?? saved.endpoint,
      region: command.region ?? saved.region,
      awsProfile: command.profile ?? saved.awsProfile,
      synapseId: saved.synapseId,
      submissionProfile: profiles.require(saved.submissionProfile),
    };
  } catch (error) {
    if (error instanceof ServiceError) return { problem: error.message };
    throw error;
  }
}
