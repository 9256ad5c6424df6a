import type { CredentialSummary } from '../../services/credentials';
import { toProblem } from '../../services/service-error';
import type { CommandOf } from '../args';
import { defaultRegion, err, EXIT, out, withTargetServices } from '../io';

/** `labdrop whoami`: which credentials, and which AWS identity they are; 1 if they fail. */
export function whoami(command: CommandOf<'whoami'>): Promise<number> {
  return withTargetServices(async (services) => {
    const profile = command.profile ?? process.env.AWS_PROFILE ?? null;
    const source = {
      endpoint: command.endpoint,
      region: command.region ?? defaultRegion(services, profile),
      awsProfile: profile,
    };
    let me;
    try {
      me = await services.whoami(source);
    } catch (error) {
      err(`labdrop: ${toProblem(error, { bucket: '', endpoint: source.endpoint }).message}`);
      return EXIT.failed;
    }
    const code = me.identity ? EXIT.ok : EXIT.failed;
    if (command.json) {
      out(JSON.stringify(me));
      return code;
    }
    printCredentials(me.credentials);
    if (me.identity) {
      out(`Account      ${me.identity.account ?? '(not said)'}`);
      out(`Identity     ${me.identity.arn ?? '(not said)'}`);
    }
    if (me.problem) err(`labdrop: ${me.problem.message}`);
    return code;
  });
}

function printCredentials(summary: CredentialSummary): void {
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
  out(`Profile      ${summary.profile ?? '(default)'} (${kinds[summary.kind] ?? summary.kind})`);
  out(`Key ID       …${summary.keyIdLast4 ?? '????'}`);
  out(`Region       ${summary.region ?? '(not set)'}`);
  out(
    `Expires      ${summary.expiresAt ? `${isoMinute(summary.expiresAt)} (in ${minutesFrom(summary.expiresAt)})` : 'never (long-term keys)'}`,
  );
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function minutesFrom(ms: number): string {
  const minutes = Math.round((ms - Date.now()) / 60_000);
  if (minutes < 0) return 'already expired';
  return minutes < 120 ? `${minutes} minutes` : `${Math.round(minutes / 60)} hours`;
}
