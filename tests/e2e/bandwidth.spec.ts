import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { MiB } from '../../shared/parts';
import { BUCKET, expect, test } from './fixtures';

test('a bandwidth limit set in Settings holds uploads back, says so, and lifts at once', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  await page.getByRole('button', { name: 'Settings' }).click();
  const limit = page.getByLabel('Bandwidth limit');
  await expect(limit).toHaveValue('off');
  await limit.fill('fast please');
  await expect(page.getByText('"fast please" is not a bandwidth limit')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await limit.fill('500KB/s');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expect(page.getByLabel('Bandwidth limit')).toHaveValue('500 KB/s');

  // 6 MiB at 500 KB/s would take 12 s.
  const path = await labdrop.file('reads/lane-2.fastq', 6 * MiB, 7);
  await page.getByRole('button', { name: /^Upload/ }).click();
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'study-9', endpoint: labdrop.endpoint });
  await labdrop.addFiles([path]);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  const held = page.getByTestId('bandwidth-held');
  await expect(held).toHaveText('Held to 500 KB/s by your bandwidth limit. Change it in Settings.');
  const row = page.getByTestId('queue-row');
  await expect(row).toHaveAttribute('data-status', 'uploading');

  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Bandwidth limit').fill('off');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toHaveCount(2);
  await page.getByRole('button', { name: /^Upload/ }).click();
  // Lifted, the rest goes at once: well before the 12 s the limit would take.
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 5_000 });
  await expect(held).toHaveCount(0);

  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'study-9/lane-2.fastq' }),
  );
  const bytes = await readFile(path);
  expect(head.ContentLength).toBe(bytes.length);
  expect(head.Metadata?.['content-md5']).toBe(createHash('md5').update(bytes).digest('base64'));
});
