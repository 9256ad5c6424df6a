// `npm start -- --demo`: electron/main.ts with the command line's in-process
// S3 endpoint (s3rver), so a newcomer can try the whole flow without AWS.
// Only the `electron` module is faked (see ipc-main.test.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { AccessReport, AppInfo, IpcResult, PlanSummary } from '../shared/ipc';
import type { UploadProgress } from '../shared/types';

const fake = await vi.hoisted(async () => {
  const { createFakeElectron } = await import('./e2e/fake-electron');
  return createFakeElectron();
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

vi.mock('../electron/engine/hash-pool', async (importOriginal) => {
  const { withBuiltWorker } = await import('./helpers/built-worker-pool');
  return withBuiltWorker(await importOriginal());
});

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'labdrop-demo-'));
  process.env.LABDROP_HOME = home;
  process.argv.push('--demo');
  await import('../electron/main');
  await vi.waitFor(() => expect(fake.state.windows).toHaveLength(1), { timeout: 20_000 });
});

afterAll(async () => {
  process.argv.splice(process.argv.indexOf('--demo'), 1);
  delete process.env.LABDROP_HOME;
  await rm(home, { recursive: true, force: true });
});

async function invoke<T>(channel: string, arg?: unknown): Promise<T> {
  const contents = fake.state.windows[0]?.webContents;
  const handler = fake.state.handlers.get(channel);
  if (!contents || !handler) throw new Error(`no window or no ${channel}`);
  const answer = (await handler(
    { sender: contents, senderFrame: contents.mainFrame },
    arg,
  )) as IpcResult<T>;
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.value;
}

it('uploads the sample study to the demo endpoint, and cleans up on quit', async () => {
  const info = await invoke<AppInfo>('app:info');
  const demo = info.demo;
  expect(demo).toMatchObject({ bucket: 'labdrop-demo', prefix: 'demo', region: 'us-east-1' });
  if (!demo) throw new Error('no demo');
  expect(demo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const target = {
    bucket: demo.bucket,
    endpoint: demo.endpoint,
    region: demo.region,
    awsProfile: null,
  };
  const report = await invoke<AccessReport>('targets:check', { target, prefix: demo.prefix });
  expect(report.credentials).toMatchObject({ profile: null });
  expect(report.steps.find((s) => s.step === 'bucket')?.status).toBe('ok');
  // The app's connections take the proxy the system's settings name (main asks Chromium).
  expect(fake.state.proxyQueries).toContain(`${demo.endpoint}/`);
  const plan = await invoke<PlanSummary>('uploads:plan', {
    paths: [demo.sampleFolder],
    prefix: demo.prefix,
  });
  expect(plan.files.map((f) => f.key).sort()).toEqual([
    'demo/demo-study/README.txt',
    'demo/demo-study/reads/S1.fastq',
    'demo/demo-study/samples.csv',
  ]);
  await invoke('uploads:add', { planId: plan.planId, target, acceptWarnings: false });
  await vi.waitFor(
    async () => {
      const list = await invoke<UploadProgress[]>('uploads:list');
      expect(list.map((p) => p.status)).toEqual(['done', 'done', 'done']);
    },
    { timeout: 30_000, interval: 200 },
  );

  fake.state.app.emit('before-quit', { preventDefault: () => undefined });
  await vi.waitFor(() => expect(fake.state.quitCalls).toBe(1), { timeout: 10_000 });
  expect(existsSync(demo.sampleFolder)).toBe(false);
});
