import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET, expect, test } from './fixtures';

const SECRET = 'e2eSecretKey/DoNotShow0123456789abcdefgh';
const KEY_ID = 'AKIAE2ETESTKEYAWXYZ';

test('browse a bucket, save a target with its Synapse folder, and check access', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  for (const key of ['picker/study-1/r1.fastq', 'picker/study-2/r1.fastq', 'picker/notes.txt']) {
    await labdrop.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
  }
  const form = page.getByRole('form', { name: 'Target' });
  const prefix = form.getByLabel('Folder in the bucket', { exact: true });
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'picker', endpoint: labdrop.endpoint });

  // moto lets these credentials list buckets: the bucket field offers them.
  await form.getByRole('button', { name: 'List buckets' }).click();
  await expect(form.locator(`datalist option[value="${BUCKET}"]`)).toHaveCount(1);

  await form.getByRole('button', { name: 'Browse…' }).click();
  const folders = form.getByRole('region', { name: 'Folders' });
  await expect(folders.getByRole('button', { name: 'study-2/' })).toBeVisible();
  await expect(folders).toContainText('1 file here');
  await folders.getByRole('button', { name: 'study-1/' }).click();
  await expect(prefix).toHaveValue('picker/study-1/');
  await folders.getByRole('button', { name: 'Up' }).click();
  await expect(prefix).toHaveValue('picker/');
  await folders.getByLabel('New folder name').fill('run-3');
  await folders.getByRole('button', { name: 'New folder' }).click();
  await expect(prefix).toHaveValue('picker/run-3/');
  await folders.getByRole('button', { name: 'Up' }).click();
  await folders.getByRole('button', { name: 'study-1/' }).click();
  await expect(prefix).toHaveValue('picker/study-1/');

  await form.getByRole('button', { name: 'Save as target…' }).click();
  await form.getByLabel('Target name').fill('Study one');
  await form.getByLabel('Synapse folder ID').fill('syn424242');
  await form.getByRole('button', { name: 'Save target' }).click();
  const saved = form.getByLabel('Saved target');
  await expect(saved.locator('option:checked')).toHaveText('Study one · syn424242');
  await labdrop.screenshot('target-picker');

  await folders.getByRole('button', { name: 'Close folders' }).click();
  await form.getByRole('button', { name: 'Check access' }).click();
  const report = form.getByTestId('access-report');
  await expect(report).toContainText(`Uploads to s3://${BUCKET}/picker/study-1/ will work.`);
  await expect(report).toContainText('default credentials · key …ting');
  await expect(report).toContainText('The bucket accepts grants');
  await expect(report).toContainText('does not use S3 Transfer Acceleration');

  await report.scrollIntoViewIfNeeded();
  await labdrop.screenshot('target-access');

  // Transfer Acceleration is AWS's: with moto's endpoint the form says why not, and checks nothing.
  const accelerate = form.getByLabel('Upload through S3 Transfer Acceleration');
  await accelerate.check();
  await expect(form).toContainText(`S3 Transfer Acceleration is a feature of Amazon S3`);
  await expect(form.getByRole('button', { name: 'Check access' })).toBeDisabled();
  await accelerate.uncheck();
  await expect(form.getByRole('button', { name: 'Check access' })).toBeEnabled();

  // A new place, then back to the saved one: the form follows the choice.
  await labdrop.setTarget({ prefix: 'elsewhere' });
  await expect(saved).toHaveValue('');
  await saved.selectOption({ label: 'Study one · syn424242' });
  await expect(prefix).toHaveValue('picker/study-1/');

  // The Synapse folder was mistyped: edit the saved target, then remove it.
  await form.getByRole('button', { name: 'Edit target…' }).click();
  const edit = form.getByRole('group', { name: 'Edit target Study one' });
  await expect(edit.getByLabel('Target name')).toHaveValue('Study one');
  await edit.getByLabel('Synapse folder ID').fill('syn434343');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(saved.locator('option:checked')).toHaveText('Study one · syn434343');
  await expect(prefix).toHaveValue('picker/study-1/');
  await form.getByRole('button', { name: 'Remove target' }).click();
  await expect(form.getByLabel('Saved target')).toHaveCount(0);
  await expect(prefix).toHaveValue('picker/study-1/');
});

test('stores access keys from Settings without the secret ever reaching the page', async ({
  labdrop,
}, testInfo) => {
  // The test host encrypts with a test keychain; a real Electron run gets the
  // machine's, which on a headless Linux box is plain text (and refused).
  testInfo.skip(labdrop.mode === 'electron', 'Needs the test host’s keychain.');
  const { page } = labdrop;
  await page.getByRole('button', { name: 'Settings' }).click();
  const panel = page.getByRole('region', { name: 'Credentials' });
  await expect(panel.getByRole('list', { name: 'Credential choices' })).toContainText('Default');

  await panel.getByLabel('Name', { exact: true }).fill('lab-keys');
  await panel.getByLabel('Access key ID').fill(KEY_ID);
  await panel.getByLabel('Secret access key').fill(SECRET);
  await panel.getByRole('button', { name: 'Store keys' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Stored the keys “lab-keys”' }),
  ).toBeVisible();
  const stored = panel.getByRole('listitem').filter({ hasText: 'lab-keys' });
  await expect(stored).toContainText('keys stored by Labdrop · key …WXYZ');
  await expect(panel.getByLabel('Secret access key')).toHaveValue('');

  const html = await page.evaluate(() => document.documentElement.outerHTML);
  expect(html).not.toContain(SECRET);
  expect(html).not.toContain(KEY_ID);
  await labdrop.screenshot('settings-credentials');

  // The stored keys sign the access check (moto takes any keys).
  await stored.getByRole('button', { name: 'Use for the target' }).click();
  await page.getByRole('button', { name: /^Upload/ }).click();
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'keys', endpoint: labdrop.endpoint });
  await page.getByRole('button', { name: 'Check access' }).click();
  await expect(page.getByTestId('access-report')).toContainText('profile lab-keys · key …WXYZ');
  expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain(SECRET);
});
