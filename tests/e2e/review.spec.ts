import type { Page } from '@playwright/test';
import type { SavedTarget, SettingsView } from '../../shared/ipc';
import { expect, openRenderer, test } from './fixtures';
import { settingsView } from './stand-in';

/** What the stand-in for main was asked: the plans made and the adds. */
interface Asked {
  plans: Array<{ paths: string[]; prefix: string; planId: string }>;
  adds: Array<{ planId: string; bucket: string; savedTargetId: string | null }>;
}

interface StandIn {
  /** The place main remembers as the last target (settings). */
  lastPrefix: string;
  saved: SavedTarget[];
  /** How long main takes to plan. */
  planMs?: number;
}

const SAVED: SavedTarget = {
  id: 't-1',
  name: 'Study one',
  bucket: 'lab-bucket',
  prefix: 'center/study-1/',
  endpoint: null,
  region: 'us-east-1',
  awsProfile: null,
  synapseId: 'syn123',
  submissionProfile: 'center',
  kms: false,
  accelerate: false,
  createdAt: 1,
  lastUsedAt: 2,
};

/**
 * The built renderer with a stand-in for main at the bridge that records
 * what it is asked, and adds only when the spec lets it (as a slow HeadBucket
 * preflight in main would): the renderer alone is under test here.
 */
async function openWithStandIn(page: Page, standIn: StandIn) {
  const init = { ...standIn, settings: settingsView(standIn.lastPrefix, '') };
  await page.addInitScript((options: StandIn & { settings: SettingsView }) => {
    const ok = (value: unknown) => Promise.resolve({ ok: true, value });
    const asked: Asked = { plans: [], adds: [] };
    const pendingAdds: Array<() => void> = [];
    const held = new Map<string, string[]>();
    const test = window as unknown as {
      __asked: Asked;
      __finishAdds: () => number;
    };
    test.__asked = asked;
    test.__finishAdds = () => pendingAdds.splice(0).map((finish) => finish()).length;
    const keyOf = (prefix: string, path: string) =>
      `${prefix.replace(/^\/+|\/+$/g, '')}/${path.split('/').pop()}`;
    Object.defineProperty(window, 'labdrop', {
      value: {
        appInfo: () =>
          ok({
            version: '1.0.0',
            platform: 'linux',
            demo: null,
            profile: { name: 'center', fullControlIds: [], md5MetadataKey: 'content-md5' },
          }),
        getSettings: () => ok(options.settings),
        listUploads: () => ok([]),
        listTargets: () => ok(options.saved),
        pathForFile: (file: { name: string }) => `/data/${file.name}`,
        planUpload: (paths: string[], prefix: string, savedTargetId?: string | null) => {
          const planId = `plan-${asked.plans.length + 1}`;
          asked.plans.push({ paths, prefix, planId });
          held.set(planId, paths);
          const summary = {
            planId,
            prefix,
            fileCount: paths.length,
            totalBytes: paths.length * 100,
            files: paths.map((path) => ({
              localPath: path,
              key: keyOf(prefix, path),
              size: 100,
            })),
            problems: [],
            warnings: [],
            warningCount: 0,
            warningsFor: savedTargetId ?? null,
            synapseNames: 0,
          };
          return new Promise((resolve) =>
            setTimeout(() => resolve({ ok: true, value: summary }), options.planMs ?? 0),
          );
        },
        // The bucket has none of these files: every one is new.
        reviewUpload: (planId: string) => {
          const count = held.get(planId)?.length ?? 0;
          const none = { count: 0, bytes: 0 };
          return ok({
            planId,
            new: { count, bytes: count * 100 },
            identical: none,
            different: none,
            queued: none,
            bytesToSend: count * 100,
            note: null,
            differentFiles: [],
          });
        },
        discardPlan: () => ok(null),
        addUploads: (
          planId: string,
          target: { bucket: string },
          _accept: boolean,
          savedTargetId: string | null,
        ) => {
          asked.adds.push({ planId, bucket: target.bucket, savedTargetId });
          const paths = held.get(planId) ?? [];
          return new Promise((resolve) =>
            pendingAdds.push(() =>
              resolve({
                ok: true,
                value: paths.map((path) => ({
                  id: `${planId}:${path}`,
                  localPath: path,
                  bucket: target.bucket,
                  key: path,
                  size: 100,
                  status: 'queued',
                  hashedBytes: 0,
                  uploadedBytes: 0,
                  speed: 0,
                  error: null,
                  skipped: null,
                })),
              }),
            ),
          );
        },
        onProgress: () => () => undefined,
        onQueueChanged: () => () => undefined,
        onAttention: () => () => undefined,
      },
    });
  }, init);
  await openRenderer(page);
  await expect(page.getByRole('heading', { name: 'Queue' })).toBeVisible();
  return {
    asked: () => page.evaluate(() => (window as unknown as { __asked: Asked }).__asked),
    /** Main finishes the adds it is working on. */
    finishAdds: () =>
      page.evaluate(() => (window as unknown as { __finishAdds: () => number }).__finishAdds()),
    drop: (names: string[]) =>
      page.evaluate((dropped) => {
        const data = new DataTransfer();
        for (const name of dropped) data.items.add(new File(['(test)'], name));
        const zone = document.querySelector('[data-testid="drop-zone"]');
        if (!zone) throw new Error('no drop zone');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(
            new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }),
          );
        }
      }, names),
    /** Longer than the window waits before planning again for an edited folder. */
    settle: () => page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 600))),
  };
}

test('files dropped while Upload is starting wait for a review of their own', async ({
  chromium,
}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'chromium', 'Renderer-only check: runs in Chromium.');
  const page = await (await chromium()).newPage();
  const main = await openWithStandIn(page, { lastPrefix: 'center', saved: [] });
  const review = page.getByRole('region', { name: 'Review before uploading' });

  await main.drop(['a.fastq']);
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  const starting = review.getByRole('button', { name: 'Starting…' });
  await expect(starting).toBeDisabled();

  // Main is slow to add: another drop and a folder edit meanwhile.
  await main.drop(['b.fastq']);
  await page
    .getByRole('form', { name: 'Target' })
    .getByLabel('Folder in the bucket', { exact: true })
    .fill('center/run-2');
  await main.settle();
  await expect(starting).toBeDisabled();
  await expect(review.getByRole('button', { name: 'Clear' })).toBeDisabled();
  await expect(review.getByRole('status')).toHaveText(
    '1 more dropped item is reviewed once these are added.',
  );
  expect(await main.asked()).toMatchObject({ plans: [{ paths: ['/data/a.fastq'] }], adds: [{}] });

  await main.finishAdds();
  await expect(page.getByTestId('queue-row')).toHaveCount(1);
  await expect(review.getByTestId('plan-summary')).toContainText('1 file');
  await expect(review.getByText('center/run-2/b.fastq', { exact: true })).toBeVisible();
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  await main.finishAdds();
  await expect(page.getByTestId('queue-row')).toHaveCount(2);

  const asked = await main.asked();
  expect(asked.plans.map(({ paths, prefix }) => ({ paths, prefix }))).toEqual([
    { paths: ['/data/a.fastq'], prefix: 'center' },
    { paths: ['/data/b.fastq'], prefix: 'center/run-2' },
  ]);
  expect(asked.adds.map((add) => add.planId)).toEqual(['plan-1', 'plan-2']);
  await page.close();
});

test('Upload right after a folder change waits for the plan for the new folder', async ({
  chromium,
}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'chromium', 'Renderer-only check: runs in Chromium.');
  const page = await (await chromium()).newPage();
  // Planning takes a while: the plan on screen is stale meanwhile.
  const main = await openWithStandIn(page, { lastPrefix: 'center', saved: [SAVED], planMs: 800 });
  const form = page.getByRole('form', { name: 'Target' });
  const review = page.getByRole('region', { name: 'Review before uploading' });
  const upload = review.getByRole('button', { name: 'Upload 1 file' });

  await main.drop(['a.fastq']);
  await expect(upload).toBeEnabled();
  await form.getByLabel('Folder in the bucket', { exact: true }).fill('center/run-2');
  await expect(review.getByText('Updating the keys for the new folder…')).toBeVisible();
  await upload.click(); // waits while the button is disabled
  await expect(review.getByTestId('plan-summary')).toContainText('s3://lab-bucket/center/run-2/');
  await main.finishAdds();
  await expect(page.getByTestId('queue-row')).toHaveCount(1);

  // A saved target is a change of folder too.
  await main.drop(['b.fastq']);
  await expect(upload).toBeEnabled();
  await form.getByLabel('Saved target').selectOption({ label: 'Study one · syn123' });
  await upload.click();
  await main.finishAdds();
  await expect(page.getByTestId('queue-row')).toHaveCount(2);

  const asked = await main.asked();
  const planFor = (planId: string) => asked.plans.find((p) => p.planId === planId)?.prefix;
  expect(asked.adds.map((add) => [planFor(add.planId), add.savedTargetId])).toEqual([
    ['center/run-2', null],
    ['center/study-1/', 't-1'],
  ]);
  await page.close();
});

test('after a restart the saved target main last uploaded to is chosen again', async ({
  chromium,
}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'chromium', 'Renderer-only check: runs in Chromium.');
  const page = await (await chromium()).newPage();
  const main = await openWithStandIn(page, { lastPrefix: 'center/study-1/', saved: [SAVED] });
  const picker = page.getByRole('form', { name: 'Target' }).getByLabel('Saved target');
  await expect(picker.locator('option:checked')).toHaveText('Study one · syn123');

  await main.drop(['a.fastq']);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  await main.finishAdds();
  await expect(page.getByTestId('queue-row')).toHaveCount(1);
  expect((await main.asked()).adds).toEqual([
    { planId: 'plan-1', bucket: 'lab-bucket', savedTargetId: 't-1' },
  ]);
  await page.close();
});
