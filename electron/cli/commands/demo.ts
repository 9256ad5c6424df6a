import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { formatBytes } from '../../../shared/format';
import { appHome } from '../../engine/app-home';
import { startDemo } from '../../engine/demo';
import { planUpload } from '../../engine/scan';
import { createServices } from '../../engine/services';
import { Store } from '../../engine/store';
import type { CommandOf } from '../args';
import { err, out } from '../io';
import { watch } from '../live-view';
import { printHistory } from './history';

/** The whole flow against an in-process S3-compatible endpoint, no AWS account needed. */
export async function demo(command: CommandOf<'demo'>): Promise<number> {
  const { json } = command;
  const run = await startDemo(join(appHome(), 'demo'), 'run-');
  const { endpoint, target } = run;
  const store = Store.open(join(run.folder, 'labdrop.db'));
  const services = createServices({ store, fixed: endpoint });
  const client = services.clientFor(target);
  // With --json, stdout carries only JSON lines: the tour goes to stderr.
  const say = json ? err : out;
  try {
    say(
      `Demo endpoint: ${endpoint.endpoint}, bucket "${endpoint.bucket}" (s3rver, in this process).`,
    );
    const plan = await planUpload([run.sampleFolder], run.prefix);
    say(
      `Uploading ${plan.files.length} files from ${run.sampleFolder} to s3://${endpoint.bucket}/${run.prefix}/ with the center's grants…`,
    );
    const records = await services.queue.add(plan, target);
    const code = await watch(
      services,
      records.map((r) => r.id),
      json,
    );
    say('\nVerified in the bucket (HeadObject):');
    for (const record of records.filter((r) => services.store.getUpload(r.id)?.status === 'done')) {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: endpoint.bucket, Key: record.key }),
      );
      say(
        `  s3://${endpoint.bucket}/${record.key}  ${formatBytes(head.ContentLength ?? 0)}  content-md5=${head.Metadata?.['content-md5']}`,
      );
    }
    say(`Grants sent with every object: x-amz-grant-full-control: ${records[0]?.grants}`);
    say('\nHistory of the demo:');
    printHistory([store.query()], say);
    return code;
  } finally {
    await services.close();
    await run.stop();
  }
}
