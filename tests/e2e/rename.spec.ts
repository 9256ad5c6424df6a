import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BUCKET, expect, expectAccessible, test } from './fixtures';

test('a name Synapse refuses is warned about, renamed for Synapse in one click, and uploaded under the new key', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const cafe = await labdrop.file('café #1.txt', 1200, 61);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'synapse', endpoint: labdrop.endpoint });
  const review = page.getByRole('region', { name: 'Review before uploading' });
  const keys = review.getByRole('list', { name: 'Files and the keys they get' });
  const warnings = review.getByTestId('plan-warnings');

  await labdrop.addFiles([cafe]);
  await expect(keys).toContainText('synapse/café #1.txt');
  await expect(warnings).toContainText('Synapse refuses the name "café #1.txt" (é #)');
  await expect(review.getByRole('button', { name: 'Upload 1 file' })).toBeDisabled();

  await review.getByRole('button', { name: 'Rename 1 key for Synapse' }).click();
  await expect(review.getByRole('list', { name: 'Keys renamed for Synapse' })).toHaveText(
    'synapse/café #1.txt → synapse/cafe _1.txt',
  );
  await expect(keys).toHaveText(/^synapse\/cafe _1\.txt/);
  // Nothing left to warn about: no confirmation needed.
  await expect(warnings).toHaveCount(0);
  await expect(review.getByRole('list', { name: 'Compared with the bucket' })).toHaveText(
    '1 new (1.17 KiB to send)',
  );
  await expectAccessible(page, 'review after renaming for Synapse');

  await review.getByRole('button', { name: 'Upload 1 file' }).click();
  const done = page.getByTestId('queue-row').and(page.locator('[data-status="done"]'));
  await expect(done).toHaveCount(1);
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'synapse/cafe _1.txt' }),
  );
  expect(head.ContentLength).toBe(1200);
  const listed = await labdrop.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'synapse/' }),
  );
  expect(listed.Contents?.map((o) => o.Key)).toEqual(['synapse/cafe _1.txt']);
});
