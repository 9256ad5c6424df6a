import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { MiB } from '../../shared/parts';
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

test('pauses the queue when the session runs out mid-upload, and resumes after sign-in', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const path = await labdrop.file('session.bam', 40 * MiB, 8);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'session', endpoint: labdrop.slowEndpoint });
  await labdrop.addFiles([path]);
  await page.getByRole('button', { name: 'Upload 1 file' }).click();
  const row = page.getByTestId('queue-row');
  await expect(row).toHaveAttribute('data-status', 'uploading');

  labdrop.sessionExpired(true);
  const banner = page.getByTestId('sign-in');
  await expect(banner).toContainText('Uploads are paused until you sign in again.');
  await expect(banner).toContainText('Your AWS session has expired.');
  await expect(row).toHaveAttribute('data-status', 'paused');
  await expect(page.getByTestId('queue-totals')).not.toContainText('failed');

  labdrop.sessionExpired(false); // the user ran `aws sso login`
  await banner.getByRole('button', { name: 'Resume' }).click();
  await expect(banner).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'session/session.bam' }),
  );
  expect(head.ContentLength).toBe(40 * MiB);
  expect(head.Metadata?.['content-md5']).toBe(
    createHash('md5')
      .update(await readFile(path))
      .digest('base64'),
  );
});
