import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { BUCKET, expect, test } from './fixtures';
import { MiB } from '../../shared/parts';

test('pauses a big upload and resumes it to the end', async ({ labdrop }) => {
  const { page } = labdrop;
  // Big enough to be mid-way still after the screenshot and its axe check.
  const big = await labdrop.file('big-run.bam', 80 * MiB, 7);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'paused', endpoint: labdrop.slowEndpoint });
  await labdrop.addFiles([big]);
  await page.getByRole('button', { name: 'Upload 1 file' }).click();

  const row = page.getByTestId('queue-row');
  await expect(row).toHaveAttribute('data-status', 'uploading');
  const bar = page.getByRole('progressbar', { name: /^big-run\.bam: Uploading/ });
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(55); // the first parts are confirmed by S3

  await expect(row.getByText(/\/s$/)).toBeVisible(); // a speed is shown
  await labdrop.screenshot('queue-uploading');

  await page.getByRole('button', { name: 'Pause big-run.bam' }).click();
  await expect(row).toHaveAttribute('data-status', 'paused');
  const pausedAt = Number(
    await page
      .getByRole('progressbar', { name: /^big-run\.bam: Paused/ })
      .getAttribute('aria-valuenow'),
  );
  // What S3 confirmed stays; the parts in flight are sent again on resume.
  expect(pausedAt).toBeGreaterThanOrEqual(25);
  expect(pausedAt).toBeLessThan(100);
  await page.waitForTimeout(500);
  await expect(row).toHaveAttribute('data-status', 'paused');

  await page.getByRole('button', { name: 'Resume big-run.bam' }).click();
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'paused/big-run.bam' }),
  );
  expect(head.ContentLength).toBe(80 * MiB);
});

test('cancels an upload and leaves nothing in the bucket', async ({ labdrop }) => {
  const { page } = labdrop;
  const big = await labdrop.file('cancel-me.bam', 40 * MiB, 8);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'cancelled', endpoint: labdrop.slowEndpoint });
  await labdrop.addFiles([big]);
  await page.getByRole('button', { name: 'Upload 1 file' }).click();

  const row = page.getByTestId('queue-row');
  await expect(row).toHaveAttribute('data-status', 'uploading');
  // Mid-upload, with parts on the wire. (Cancelling during CreateMultipartUpload
  // itself can orphan the upload in the bucket: an engine race, reported.)
  const bar = page.getByRole('progressbar', { name: /^cancel-me\.bam: Uploading/ });
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(5);
  await page.getByRole('button', { name: 'Cancel cancel-me.bam' }).click();
  // Half of it sent by now, the row asks first (queue.logic's cancelNeedsConfirm).
  const yes = page.getByRole('button', { name: 'Yes, cancel cancel-me.bam' });
  if (await yes.isVisible()) await yes.click();
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('queue-totals')).toContainText('1 cancelled');

  const listed = await labdrop.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'cancelled/' }),
  );
  expect(listed.Contents ?? []).toEqual([]);
  const multipart = await labdrop.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
  expect((multipart.Uploads ?? []).filter((u) => u.Key?.startsWith('cancelled/'))).toEqual([]);

  // A cancelled row can go again: the same file to the same key, to the end.
  await page.getByRole('button', { name: 'Upload cancel-me.bam again' }).click();
  await expect(page.locator('[data-testid="queue-row"][data-status="done"]')).toHaveCount(1, {
    timeout: 30_000,
  });
  const again = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'cancelled/cancel-me.bam' }),
  );
  expect(again.ContentLength).toBe(40 * MiB);

  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(row).toHaveCount(0);
});

test('pauses and resumes all files', async ({ labdrop }) => {
  const { page } = labdrop;
  const a = await labdrop.file('all-a.bin', 24 * MiB, 9);
  const b = await labdrop.file('all-b.bin', 24 * MiB, 10);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'all', endpoint: labdrop.slowEndpoint });
  await labdrop.addFiles([a, b]);
  await page.getByRole('button', { name: 'Upload 2 files' }).click();
  const rows = page.getByTestId('queue-row');
  await expect(rows.first()).toHaveAttribute('data-status', /uploading|hashing|queued/);

  await page
    .getByRole('toolbar', { name: 'All files' })
    .getByRole('button', { name: 'Pause all' })
    .click();
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'paused');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('queue-totals')).toContainText('2 paused');

  await page
    .getByRole('toolbar', { name: 'All files' })
    .getByRole('button', { name: 'Resume all' })
    .click();
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
});
