import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_REGION, type Endpoint } from './s3-client';

/**
 * A throwaway S3-compatible endpoint on 127.0.0.1 (s3rver, in-process), so a
 * newcomer can try the whole flow without an AWS account. It checks
 * signatures and Content-MD5, stores metadata, and ignores ACL grants.
 */
export interface DemoEndpoint {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export const DEMO_BUCKET = 'labdrop-demo';

export async function startDemoEndpoint(directory: string): Promise<DemoEndpoint> {
  // Loaded for the demo only: s3rver and its Koa stack add ~0.1 s to every CLI start.
  const { default: S3rver } = await import('s3rver');
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: DEMO_BUCKET, configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: DEMO_BUCKET,
    // s3rver's fixed development keys.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stop: () => server.close(),
  };
}

/** A small study folder: a sample sheet, a text file and one multi-part file. */
export async function writeDemoFiles(directory: string): Promise<string> {
  const study = join(directory, 'demo-study');
  await mkdir(join(study, 'reads'), { recursive: true });
  await writeFile(
    join(study, 'samples.csv'),
    'sample,condition\nS1,control\nS2,treated\nS3,treated\n',
  );
  await writeFile(join(study, 'README.txt'), 'Demo upload made by `labdrop demo`.\n');
  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  await writeFile(join(study, 'reads', 'S1.fastq'), big);
  return study;
}

/**
 * One run of the demo, the app's (`npm start -- --demo`) or the command
 * line's (`labdrop demo`): a fresh folder holding the endpoint's objects, the
 * sample study and the run's own history, all thrown away by `stop()`.
 */
export interface DemoRun {
  /** The run's folder: its state database and settings go here too. */
  folder: string;
  endpoint: DemoEndpoint;
  /** Where the sample goes: the demo bucket, signed with the endpoint's fixed keys. */
  target: Endpoint & { bucket: string };
  /** The folder prefix the sample is uploaded under. */
  prefix: string;
  /** The sample study (writeDemoFiles). */
  sampleFolder: string;
  /** Stops the endpoint and deletes the folder. */
  stop(): Promise<void>;
}

/** Starts a demo run in a new folder under `parent` (e.g. `<appHome>/demo`), named `<name>XXXXXX`. */
export async function startDemo(parent: string, name: string): Promise<DemoRun> {
  await mkdir(parent, { recursive: true });
  const folder = await mkdtemp(join(parent, name));
  const remove = () => rm(folder, { recursive: true, force: true });
  let endpoint: DemoEndpoint | null = null;
  try {
    endpoint = await startDemoEndpoint(join(folder, 's3'));
    const sampleFolder = await writeDemoFiles(join(folder, 'files'));
    const running = endpoint;
    return {
      folder,
      endpoint,
      target: {
        bucket: endpoint.bucket,
        endpoint: endpoint.endpoint,
        region: DEFAULT_REGION,
        awsProfile: null,
      },
      prefix: 'demo',
      sampleFolder,
      async stop() {
        await running.stop();
        await remove();
      },
    };
  } catch (error) {
    await endpoint?.stop();
    await remove();
    throw error;
  }
}
