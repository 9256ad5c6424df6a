import type { UploadProgress } from '../../shared/types';
import { expect, saveScreenshot, test } from './fixtures';
import { openStandIn, settingsView } from './stand-in';

function items(count: number): UploadProgress[] {
  const statuses = ['done', 'uploading', 'uploading', 'hashing', 'queued', 'paused', 'failed'];
  return Array.from({ length: count }, (_, i) => {
    const status = i < 7 ? statuses[i] : 'queued';
    const size = (i % 13) * 7_340_033 + 1_048_576;
    return {
      id: `u${i}`,
      localPath: `/data/run-7/sample-${String(i).padStart(5, '0')}.fastq.gz`,
      bucket: 'center-submissions',
      key: `lab-a/run-7/sample-${String(i).padStart(5, '0')}.fastq.gz`,
      size,
      status,
      hashedBytes: status === 'hashing' ? Math.floor(size * 0.4) : status === 'queued' ? 0 : size,
      uploadedBytes:
        status === 'done'
          ? size
          : status === 'uploading'
            ? Math.floor(size * (i === 1 ? 0.62 : 0.18))
            : 0,
      speed: status === 'uploading' ? 21_000_000 + i * 1_000_000 : 0,
      error:
        status === 'failed'
          ? {
              code: 'AccessDenied',
              message:
                'Access denied writing "lab-a/run-7/sample-00006.fastq.gz" to bucket "center-submissions". Check that your credentials may upload there with full-control grants.',
            }
          : null,
    } as UploadProgress;
  });
}

test('a queue of 10,000 files renders a window of rows and stays responsive', async ({
  chromium,
}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'chromium', 'Renderer-only check: runs in Chromium.');
  const { page } = await openStandIn(
    await chromium(),
    { uploads: items(10_000), settings: settingsView('lab-a/run-7') },
    { width: 1280, height: 820 },
  );
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  const rows = page.getByTestId('queue-row');
  await expect(page.getByTestId('queue-totals')).toContainText('10,000 files');
  expect(await rows.count()).toBeLessThan(60);
  await expect(page.getByRole('grid', { name: 'Upload queue' })).toHaveAttribute(
    'aria-rowcount',
    '10001',
  );
  await saveScreenshot(page, 'queue-10000');
  await page.emulateMedia({ colorScheme: 'dark' });
  await saveScreenshot(page, 'queue-10000-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // A batch that moves every one of the 10,000 rows, applied and painted.
  const ms = await page.evaluate(async (count) => {
    const batch = {
      items: Array.from({ length: count }, (_, i) => ({
        id: `u${i}`,
        localPath: `/data/run-7/sample-${String(i).padStart(5, '0')}.fastq.gz`,
        bucket: 'center-submissions',
        key: `lab-a/run-7/sample-${i}.fastq.gz`,
        size: 1000,
        status: 'uploading',
        hashedBytes: 1000,
        uploadedBytes: 500,
        speed: 100,
        error: null,
      })),
    };
    const start = performance.now();
    (window as unknown as { __emit: (b: unknown) => void }).__emit(batch.items);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - start;
  }, 10_000);
  expect(ms).toBeLessThan(500);
  await expect(page.getByTestId('queue-totals')).toContainText('10,000 in progress');

  // Scrolling to the end shows the last file, still with few rows in the page.
  const body = page.getByRole('rowgroup', { name: /Upload queue, 10,000 rows/ });
  await body.evaluate((element) => {
    element.scrollTop = element.scrollHeight;
  });
  await expect(page.getByText('sample-09999.fastq.gz', { exact: true })).toBeVisible();
  expect(await rows.count()).toBeLessThan(60);
  // And the keyboard scrolls it.
  await body.focus();
  await page.keyboard.press('Home');
  const first = page.locator('[aria-rowindex="2"]');
  await expect(first).toBeFocused();
  await expect(first).toBeInViewport();
  expect(errors).toEqual([]);
  await page.context().close();
});

test('settings and the whole window work from the keyboard, with every control named', async ({
  labdrop,
}) => {
  const { page } = labdrop;
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, [role="progressbar"]')]
      .filter((element) => {
        const el = element as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> };
        const labelled =
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.labels && el.labels.length > 0) ||
          (el.textContent ?? '').trim();
        return !labelled;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);

  // From the top of the page, Tab reaches the sections; Enter opens one.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Upload/ })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Settings' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Settings' })).toHaveAttribute(
    'aria-current',
    'page',
  );

  const concurrency = page.getByLabel('Parallel part uploads');
  await concurrency.focus();
  await concurrency.fill('4');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await page.getByLabel('Part size (MiB)').fill('16');
  await page.keyboard.press('Enter');
  await expect(page.getByText('The new part size applies to uploads added after')).toBeVisible();
  await labdrop.screenshot('settings');
  await page.emulateMedia({ colorScheme: 'dark' });
  await labdrop.screenshot('settings-dark');
});
