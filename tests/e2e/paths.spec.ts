import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { BUCKET, expect, expectAccessible, test } from './fixtures';

test('two files that would get one name are named before upload, with both files and keys; the others can still go', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const upper = await labdrop.file('share/run1/Sample.txt', 100, 1);
  const lower = await labdrop.file('share/run1/sample.txt', 110, 2);
  const inFolder = await labdrop.file('share/run1/a/b.txt', 120, 3);
  // A name a Linux server or share may hold: a backslash is a folder separator in a key.
  const backslashed = await labdrop.file('share/run1/a\\b.txt', 130, 4);
  await labdrop.file('share/run1/notes.txt', 140, 5);
  const folder = join(upper, '..');
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'paths', endpoint: labdrop.endpoint });
  await labdrop.addFiles([folder]);

  const review = page.getByRole('region', { name: 'Review before uploading' });
  const keys = review.getByRole('list', { name: 'Files and the keys they get' });
  await expect(keys.getByRole('listitem')).toHaveText([
    /^paths\/run1\/Sample\.txt/,
    /^paths\/run1\/a\/b\.txt/,
    /^paths\/run1\/notes\.txt/,
  ]);
  // Which local file gets a key is there on hover.
  await expect(keys.getByRole('listitem').nth(1)).toHaveAttribute('title', inFolder);
  const problems = review.getByRole('alert');
  await expect(problems).toContainText(
    `${inFolder} and ${backslashed} would both be uploaded as "paths/run1/a/b.txt" (a "\\" in a name is a folder separator in a key). Rename one of them, or upload them to different folders.`,
  );
  await expect(problems).toContainText(
    `${upper} and ${lower} would be uploaded as "paths/run1/Sample.txt" and "paths/run1/sample.txt", which differ only in upper and lower case: Windows, macOS and Synapse take them for one name.`,
  );
  await expect(review.getByRole('button', { name: 'Upload 3 files' })).toBeDisabled();
  await expect(review.getByTestId('plan-blocked')).toContainText(
    'Not started: 2 dropped items cannot be uploaded',
  );
  await expectAccessible(page, 'review with two files for one key');

  await review.getByRole('button', { name: 'Upload the other 3 files' }).click();
  await expect(page.getByTestId('queue-totals')).toContainText('3 files · 3 done');
  const listed = await labdrop.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paths/' }),
  );
  expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
    ['paths/run1/Sample.txt', 100],
    ['paths/run1/a/b.txt', 120],
    ['paths/run1/notes.txt', 140],
  ]);
});

test('a name Windows cannot hold is warned about, and uploads once confirmed', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const aux = await labdrop.file('share/aux.txt', 150, 6);
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'devices', endpoint: labdrop.endpoint });
  await labdrop.addFiles([aux]);

  const review = page.getByRole('region', { name: 'Review before uploading' });
  const warnings = review.getByTestId('plan-warnings');
  await expect(warnings).toContainText('Check this key before uploading:');
  await expect(warnings).toContainText(
    '"devices/aux.txt": Windows cannot save a file or folder named "aux.txt"',
  );
  // Synapse takes the name: nothing to rename.
  await expect(review.getByRole('button', { name: /Rename .* for Synapse/ })).toHaveCount(0);
  const upload = review.getByRole('button', { name: 'Upload 1 file' });
  await expect(upload).toBeDisabled();
  await review.getByRole('checkbox', { name: 'Upload anyway' }).check();
  await upload.click();
  await expect(page.getByTestId('queue-totals')).toContainText('1 file · 1 done');
  const head = await labdrop.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: 'devices/aux.txt' }),
  );
  expect(head.ContentLength).toBe(150);
});
