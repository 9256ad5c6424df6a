import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET, expect, expectAccessible, test } from './fixtures';

test('a folder dropped again is compared with the bucket: what is there is recorded, not sent again', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const reads = await labdrop.file('run-9/lane1/R1.fastq', 3000, 51);
  const samples = await labdrop.file('run-9/samples.csv', 200, 52);
  const folder = reads.replace(/[\\/]lane1[\\/]R1\.fastq$/, '');
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'again', endpoint: labdrop.endpoint });

  const review = page.getByRole('region', { name: 'Review before uploading' });
  const compared = review.getByRole('list', { name: 'Compared with the bucket' });
  const rows = page.getByTestId('queue-row');
  await labdrop.addFiles([folder]);
  await expect(compared).toHaveText('2 new (3.13 KiB to send)');
  await review.getByRole('button', { name: 'Upload 2 files' }).click();
  await expect(rows.and(page.locator('[data-status="done"]'))).toHaveCount(2);

  // The same folder again: the bucket has both files.
  await labdrop.addFiles([folder]);
  await expect(compared).toHaveText('2 already in the bucket — skipped');
  await expectAccessible(page, 'review of files already in the bucket');
  await review.getByRole('button', { name: 'Record 2 files as already there' }).click();
  const skipped = rows.and(page.locator('[data-status="skipped"]'));
  await expect(skipped).toHaveCount(2);
  for (const row of await skipped.all()) await expect(row).toContainText('Already in bucket');
  await expect(page.getByTestId('queue-totals')).toContainText('4 files · 2 done · 2 skipped');
  await expect(
    page.getByRole('status').filter({ hasText: 'Nothing to send.' }).first(),
  ).toContainText('Recorded in the history: 2 already in the bucket.');

  // One file changed since: kept unless replaced, and replaced when chosen.
  await writeFile(samples, 'sample,reads\nS1,1200\n');
  await labdrop.addFiles([folder]);
  await expect(compared).toContainText('1 already in the bucket — skipped');
  await expect(compared).toContainText('1 different from the bucket — kept');
  await expect(
    review.getByRole('button', { name: 'Record 2 files as already there' }),
  ).toBeVisible();
  await labdrop.screenshot('review-bucket');
  await review.getByRole('checkbox', { name: 'Replace again/run-9/samples.csv' }).check();
  await expect(compared).toContainText('1 different from the bucket — replaced');
  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  const replaced = rows
    .filter({ hasText: 'samples.csv' })
    .and(page.locator('[data-status="done"]'));
  await expect(replaced).toHaveCount(2); // the first upload's row, and the replacement's
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'again/run-9/samples.csv' }),
  );
  expect(head.Metadata?.['content-md5']).toBe(
    createHash('md5')
      .update(await readFile(samples))
      .digest('base64'),
  );
});
