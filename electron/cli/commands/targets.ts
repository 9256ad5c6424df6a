import type { CommandOf } from '../args';
import { defaultRegion, EXIT, out, withTargetServices } from '../io';

/** `labdrop targets list | add | remove`: the saved targets the app shows too. */
export function targets(command: CommandOf<'targets'>): Promise<number> {
  return withTargetServices(async (services) => {
    switch (command.action) {
      case 'list': {
        const list = services.targets.list();
        if (command.json) {
          out(JSON.stringify(list));
          return EXIT.ok;
        }
        if (list.length === 0) {
          out('No saved targets. Save one with `labdrop targets add NAME --bucket B --prefix P`.');
          return EXIT.ok;
        }
        for (const t of list) {
          out(`${t.name}`);
          out(`    s3://${t.bucket}/${t.prefix}${t.endpoint ? ` at ${t.endpoint}` : ''}`);
          out(
            `    region ${t.region}, profile ${t.awsProfile ?? '(default)'}, submission profile ${t.submissionProfile}${t.synapseId ? `, Synapse ${t.synapseId}` : ''}${t.kms ? ', SSE-KMS' : ''}${t.accelerate ? ', Transfer Acceleration' : ''}`,
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
          region: command.region ?? defaultRegion(services, profile),
          awsProfile: profile,
          synapseId: command.synapseId,
          submissionProfile: command.submissionProfile ?? undefined,
          kms: command.kms,
          accelerate: command.accelerate,
        });
        out(
          `Saved target "${saved.name}": s3://${saved.bucket}/${saved.prefix} (region ${saved.region}). Check it with \`labdrop check --target "${saved.name}"\`.`,
        );
        return EXIT.ok;
      }
      case 'remove':
        if (!services.targets.remove(command.target)) {
          services.targets.require(command.target); // says which exist
        }
        out(`Removed the saved target "${command.target}".`);
        return EXIT.ok;
    }
  });
}
