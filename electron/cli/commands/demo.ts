import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { formatBytes } from '../../../shared/format';
import { appHome } from '../../engine/app-home';
import { startDemoEndpoint, writeDemoFiles } from '../../engine/demo';
import { createS3Client } from '../../engine/s3-client';
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
  const home = join(appHome(), 'demo');
  await mkdir(home, { recursive: true });
  const work = await mkdtemp(join(home, 'run-'));
  const endpoint = await startDemoEndpoint(join(work, 's3'));
  const store = Store.open(join(work, 'labdrop.db'));
  const client = createS3Client(
    { endpoint: endpoint.endpoint, region: 'us-east-1', awsProfile: null },
    { credentials: endpoint.credentials },
  );
  const services = createServices({ store, clientFor: () => client });
  // With --json, stdout carries only JSON lines: the tour goes to stderr.
  const say = json ? err : out;
  try {
    say(
      `Demo endpoint: ${endpoint.endpoint}, bucket "${endpoint.bucket}" (s3rver, in this process).`,
    );
    const study = await writeDemoFiles(join(work, 'files'));
    const plan = await planUpload([study], 'demo');
    say(
      `Uploading ${plan.files.length} files from ${study} to s3://${endpoint.bucket}/demo/ with the center's grants…`,
    );
    const records = await services.queue.add(plan, {
      bucket: endpoint.bucket,
      endpoint: endpoint.endpoint,
      region: 'us-east-1',
      awsProfile: null,
    });
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
    printHistory(store.query(), say);
    return code;
  } finally {
    await services.close();
    client.destroy();
    await endpoint.stop();
    await rm(work, { recursive: true, force: true });
  }
}
