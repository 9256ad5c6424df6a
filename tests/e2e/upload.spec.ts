import { createHash } from 'node:crypto';
import { readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectAclCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { CENTER_PROFILE } from '../../shared/profile';
import { BUCKET, expect, test } from './fixtures';
import { MiB } from '../../shared/parts';

test('drop files, watch them upload, and find them in history', async ({ labdrop }) => {
  const { page } = labdrop;
  const small = await labdrop.file('samples.csv', 2_000, 1);
  const big = await labdrop.file('reads/S1.fastq', 16 * MiB + 345, 2);

  await labdrop.setTarget({ bucket: BUCKET, prefix: 'study-42', endpoint: labdrop.endpoint });
  await page.getByRole('button', { name: 'Check access' }).click();
  await expect(page.getByText(`Uploads to s3://${BUCKET}/study-42/ will work.`)).toBeVisible();

  await labdrop.addFiles([small, big]);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await expect(review.getByTestId('plan-summary')).toContainText('2 files');
  await expect(review.getByText('study-42/S1.fastq')).toBeVisible();
  await labdrop.screenshot('review');
  await review.getByRole('button', { name: 'Upload 2 files' }).click();

  const rows = page.getByTestId('queue-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'S1.fastq' })).toHaveAttribute('data-status', 'done');
  await expect(rows.filter({ hasText: 'samples.csv' })).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('queue-totals')).toContainText('2 files · 2 done');
  await expect(page.getByRole('progressbar', { name: 'S1.fastq: Done, 100%' })).toBeVisible();
  await labdrop.screenshot('queue-done');

  // What the center checks: the bytes' MD5 as content-md5, the size, the grants.
  for (const [path, key] of [
    [small, 'study-42/samples.csv'],
    [big, 'study-42/S1.fastq'],
  ] as const) {
    const head = await labdrop.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = await readFile(path);
    expect(head.ContentLength).toBe(bytes.length);
    expect(head.Metadata?.['content-md5']).toBe(createHash('md5').update(bytes).digest('base64'));
    const acl = await labdrop.s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: key }));
    expect(acl.Grants?.map((g) => g.Grantee?.ID)).toContain(CENTER_PROFILE.fullControlIds[0]);
  }

  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByTestId('history-row');
  await expect(history).toHaveCount(2);
  await page.getByRole('searchbox', { name: 'Search history' }).fill('s1.FASTQ');
  await expect(history).toHaveCount(1);
  await expect(history).toHaveAttribute('data-status', 'done');
  await history.getByRole('button', { name: /S1\.fastq/ }).click();

  const details = page.getByTestId('history-details');
  const md5 = createHash('md5').update(await readFile(big));
  await expect(details).toContainText(md5.copy().digest('hex'));
  await expect(details).toContainText(md5.digest('base64'));
  await expect(details).toContainText(`s3://${BUCKET}/study-42/S1.fastq`);
  for (const id of CENTER_PROFILE.fullControlIds) await expect(details).toContainText(id);
  await expect(details).toContainText(/ETag\s*"[0-9a-f]{32}-4"/);
  await page.getByRole('searchbox', { name: 'Search history' }).fill('');
  await expect(history).toHaveCount(2);
  await labdrop.screenshot('history');

  await page.getByRole('button', { name: 'Export CSV' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Exported 2 rows' })).toBeVisible();
  if (labdrop.mode === 'browser') {
    const [csv] = labdrop.exported();
    const text = await readFile(csv as string, 'utf8');
    expect(text).toContain('study-42/S1.fastq');
    expect(text).toContain('study-42/samples.csv');
  }
});

test('shows the sync-job warnings and uploads only once they are accepted', async ({ labdrop }) => {
  const { page } = labdrop;
  const root = await labdrop.file('2024-run.txt', 100);
  await labdrop.setTarget({ bucket: BUCKET, prefix: '', endpoint: labdrop.endpoint });
  await labdrop.addFiles([root]);

  const warnings = page.getByTestId('plan-warnings');
  await expect(warnings).toContainText('bucket root');
  await expect(warnings).toContainText('starts with a digit');
  const upload = page.getByRole('button', { name: 'Upload 1 file' });
  await expect(upload).toBeDisabled();
  await labdrop.screenshot('review-warnings');

  // Choosing a folder clears them.
  await labdrop.setTarget({ prefix: 'runs' });
  await expect(warnings).toHaveCount(0);
  await expect(upload).toBeEnabled();
  await labdrop.setTarget({ prefix: '' });
  await expect(warnings).toBeVisible();

  await warnings.getByLabel('Upload anyway').check();
  await upload.click();
  await expect(page.getByTestId('queue-row')).toHaveAttribute('data-status', 'done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: '2024-run.txt' }),
  );
  expect(head.ContentLength).toBe(100);
});

test('keeps a dropped folder’s name in the keys', async ({ labdrop }) => {
  const { page } = labdrop;
  const first = await labdrop.file('run-7/lane1/R1.fastq', 300, 3);
  await labdrop.file('run-7/lane1/R2.fastq', 300, 4);
  await labdrop.file('run-7/samples.csv', 50, 5);
  const folder = first.replace(/[\\/]lane1[\\/]R1\.fastq$/, '');
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'folders', endpoint: labdrop.endpoint });
  await labdrop.addFiles([folder]);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await expect(review.getByTestId('plan-summary')).toContainText('3 files');
  for (const key of [
    'folders/run-7/lane1/R1.fastq',
    'folders/run-7/lane1/R2.fastq',
    'folders/run-7/samples.csv',
  ]) {
    await expect(review.getByText(key, { exact: true })).toBeVisible();
  }
  await review.getByRole('button', { name: 'Upload 3 files' }).click();
  await expect(page.getByTestId('queue-totals')).toContainText('3 files · 3 done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'folders/run-7/lane1/R2.fastq' }),
  );
  expect(head.ContentLength).toBe(300);
});

test('Clear puts the reviewed files away: nothing uploads, and they can be added again', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const path = await labdrop.file('put-away/sample.bam', 2 * MiB, 6);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'cleared', endpoint: labdrop.endpoint });
  await labdrop.addFiles([path]);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await expect(review.getByTestId('plan-summary')).toContainText('1 file');
  await review.getByRole('button', { name: 'Clear' }).click();
  await expect(review.getByTestId('plan-summary')).toHaveCount(0);
  await expect(page.getByTestId('queue-row')).toHaveCount(0);

  await labdrop.addFiles([path]);
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  await expect(page.getByTestId('queue-row')).toHaveAttribute('data-status', 'done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'cleared/sample.bam' }),
  );
  expect(head.ContentLength).toBe(2 * MiB);
});

test('one bad item in a dropped folder says why, and the others can still go', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const first = await labdrop.file('looped/a.txt', 120, 11);
  await labdrop.file('looped/b.txt', 130, 12);
  const folder = dirname(first);
  await symlink(folder, join(folder, 'back-up')); // a link loop: the folder inside itself
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'loops', endpoint: labdrop.endpoint });
  await labdrop.addFiles([folder]);
  const review = page.getByRole('region', { name: 'Review before uploading' });
  await expect(review.getByRole('button', { name: 'Upload 2 files' })).toBeDisabled();
  await expect(review.getByTestId('plan-blocked')).toContainText(
    'Not started: 1 dropped item cannot be uploaded',
  );
  await review.getByRole('button', { name: 'Upload the other 2 files' }).click();
  await expect(page.getByTestId('queue-totals')).toContainText('2 files · 2 done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'loops/looped/b.txt' }),
  );
  expect(head.ContentLength).toBe(130);
});
