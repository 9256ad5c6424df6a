import { BUCKET, expect, expectAccessible, test } from './fixtures';

test('Settings opens the log folder and copies the diagnostics, with the last access check', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  await labdrop.setTarget({ bucket: BUCKET, prefix: 'diag', endpoint: labdrop.endpoint });
  const form = page.getByRole('form', { name: 'Target' });
  await form.getByRole('button', { name: 'Check access' }).click();
  await expect(form.getByTestId('access-report')).toContainText('will work');

  await page.getByRole('button', { name: 'Settings' }).click();
  const panel = page.getByRole('region', { name: 'Logs and diagnostics' });
  // The Electron run would start the system's file manager: the browser run's host answers.
  if (labdrop.mode === 'browser') {
    await panel.getByRole('button', { name: 'Open log folder' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: /Opened the log folder: .*logs$/ }),
    ).toBeVisible();
  }

  await panel.getByRole('button', { name: 'Copy diagnostics' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Diagnostics copied' })).toBeVisible();
  await panel.getByText('What was copied').click();
  const copied = panel.locator('pre');
  await expect(copied).toContainText('Labdrop diagnostics');
  await expect(copied).toContainText('(the app)');
  await expect(copied).toContainText(`s3://${BUCKET}/diag at ${labdrop.endpoint}`);
  await expect(copied).toContainText('an upload will work');
  await expect(copied).toContainText('AWS_SECRET_ACCESS_KEY=set');
  await expectAccessible(page, 'settings with the diagnostics copied');
});
