import { normalizePrefix } from '../../../shared/keys';
import { CENTER_PROFILE_NAME } from '../../../shared/profile';
import type { AccessReport, AccessTarget } from '../../services/access';
import type { CommandOf } from '../args';
import { defaultRegion, err, EXIT, out, withTargetServices } from '../io';

/** `labdrop check`: 0 only if an upload there would succeed. */
export function check(command: CommandOf<'check'>): Promise<number> {
  return withTargetServices(async (services) => {
    const saved = command.target ? services.targets.require(command.target) : null;
    const profile = command.profile ?? saved?.awsProfile ?? process.env.AWS_PROFILE ?? null;
    const target: AccessTarget = {
      bucket: command.bucket ?? saved?.bucket ?? '',
      prefix: normalizePrefix(command.prefix ?? saved?.prefix ?? ''),
      endpoint: command.endpoint ?? saved?.endpoint ?? null,
      region: command.region ?? saved?.region ?? defaultRegion(services, profile),
      awsProfile: profile,
      accelerate: command.accelerate || (saved?.accelerate ?? false),
    };
    const submissionProfile =
      command.submissionProfile ?? saved?.submissionProfile ?? CENTER_PROFILE_NAME;
    const report = await services.checkAccess(target, submissionProfile);
    if (report.ok && saved) services.targets.markUsed(saved.id);
    if (command.json) {
      out(JSON.stringify(report));
      return report.ok ? EXIT.ok : EXIT.failed;
    }
    printReport(report);
    return report.ok ? EXIT.ok : EXIT.failed;
  });
}

function printReport(report: AccessReport): void {
  const { target } = report;
  const where = `s3://${target.bucket}/${target.prefix}`;
  out(`Checking ${where}${target.endpoint ? ` at ${target.endpoint}` : ''}`);
  for (const step of report.steps) {
    out(`  ${step.status.padEnd(8)} ${step.step.padEnd(12)} ${step.message}`);
  }
  for (const warning of report.warnings) err(`warning: ${warning}`);
  if (report.ok) {
    out(`An upload to ${where} will work.`);
  } else {
    err(`labdrop: ${report.problem?.message ?? `uploads to ${where} would fail.`}`);
  }
}
