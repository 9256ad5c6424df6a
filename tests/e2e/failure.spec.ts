import { rm, writeFile } from 'node:fs/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET, expect, test } from './fixtures';

test('says why a bucket cannot be used, before anything uploads', async ({ labdrop }) => {
  const { page } = labdrop;
  const path = await labdrop.file('notes.txt', 500);
  await labdrop.setTarget({ bucket: 'no-such-bucket', prefix: 'x', endpoint: labdrop.endpoint });

  await page.getByRole('button', { name: 'Check access' }).click();
  await expect(page.getByRole('form', { name: 'Target' })).toContainText(
    'The bucket "no-such-bucket" does not exist',
  );

  await labdrop.addFiles([path]);
  await page.getByRole('button', { name: 'Upload 1 file' }).click();
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await expect(review.getByRole('alert')).toContainText(
    'The bucket "no-such-bucket" does not exist',
  );
  await expect(page.getByTestId('queue-row')).toHaveCount(0);
  await labdrop.screenshot('failure-bucket');

  // Fixing the bucket keeps the same files.
  await labdrop.setTarget({ bucket: BUCKET });
  await page.getByRole('button', { name: 'Upload 1 file' }).click();
  await expect(page.getByTestId('queue-row')).toHaveAttribute('data-status', 'done');
});

test('shows a failed file with its message, and retries it', async ({ labdrop }) => {
  const { page } = labdrop;
  const path = await labdrop.file('vanishing.fastq', 1000);
  const kept = await labdrop.file('kept.fastq', 1000, 2);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'failing', endpoint: labdrop.endpoint });
  await labdrop.addFiles([path, kept]);
  await expect(page.getByTestId('plan-summary')).toContainText('2 files');
  await rm(path); // gone between review and upload
  await page.getByRole('button', { name: 'Upload 2 files' }).click();

  const failed = page.getByTestId('queue-row').filter({ hasText: 'vanishing.fastq' });
  await expect(failed).toHaveAttribute('data-status', 'failed');
  await expect(failed).toContainText('vanishing.fastq no longer exists. Put it back and retry');
  await expect(failed.getByTitle(`${path} no longer exists`, { exact: false })).toBeVisible();
  await expect(page.getByTestId('queue-totals')).toContainText('1 failed');
  await labdrop.screenshot('failure-file');

  await page.getByRole('button', { name: 'Details of vanishing.fastq' }).click();
  await expect(page.getByTestId('history-details')).toContainText('FileMissing');
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: /^Upload/ })
    .click();

  await writeFile(path, 'back again');
  await page.getByRole('button', { name: 'Retry vanishing.fastq' }).click();
  await expect(failed).toHaveAttribute('data-status', 'done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'failing/vanishing.fastq' }),
  );
  expect(head.ContentLength).toBe('back again'.length);
});
