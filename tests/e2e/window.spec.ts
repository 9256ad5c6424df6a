import type { Page } from '@playwright/test';
import { UPLOAD_STATUSES, type UploadStatus } from '../../shared/lifecycle';
import { expect, expectAccessible, test } from './fixtures';
import { historyRows, openStandIn, uploadsInEveryStatus } from './stand-in';

// The window itself, against a stand-in for main with fixed data: colours,
// the minimum size, the keyboard, axe, and screenshots compared with the
// committed ones. The renderer alone is under test here, so Chromium only.
// eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
test.beforeEach(({}, testInfo) => {
  testInfo.skip(testInfo.project.name !== 'chromium', 'Renderer-only checks: run in Chromium.');
});

const MINIMUM = { width: 760, height: 540 };

async function open(page: Page, view: 'Upload' | 'History' | 'Settings') {
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: view })
    .click();
  if (view === 'History') await expect(page.getByTestId('history-row').first()).toBeVisible();
  if (view === 'Settings') await expect(page.getByText('Parallel part uploads')).toBeVisible();
}

test('every status badge has a colour of its own', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  const looks = await page.evaluate(
    (statuses) =>
      statuses.map((status) => {
        const badge = document.querySelector(`[data-status="${status}"] .badge`);
        if (!badge) return `${status}: no badge`;
        const style = getComputedStyle(badge);
        return `${style.color} on ${style.backgroundColor} ${style.boxShadow}`;
      }),
    [...UPLOAD_STATUSES],
  );
  expect(looks.filter((look) => look.includes('no badge'))).toEqual([]);
  // Any two statuses that look alike are a bug (a later rule winning the cascade).
  expect(new Set(looks).size).toBe(UPLOAD_STATUSES.length);
  // And Settings' own badge keeps its look without lending it to the statuses.
  await open(page, 'Settings');
  await expect(page.getByText('In use', { exact: true })).toHaveCSS('color', 'rgb(22, 121, 74)');
  await page.context().close();
});

test('every status badge is read whole at the minimum size, 760×540', async ({ chromium }) => {
  // Every status, and a skipped file of each reason ("Already in bucket", "Kept bucket's version").
  const uploads = uploadsInEveryStatus();
  const skipped = uploads.find((u) => u.status === 'skipped');
  if (!skipped) throw new Error('no skipped upload in the stand-in');
  const kept = {
    ...skipped,
    id: 'kept',
    localPath: '/data/run-7/kept.csv',
    skipped: 'kept' as const,
  };
  const history = historyRows(UPLOAD_STATUSES.length).map((row, i) => ({
    ...row,
    status: UPLOAD_STATUSES[i] as UploadStatus,
  }));
  const { page } = await openStandIn(
    await chromium(),
    { uploads: [...uploads, kept], history },
    MINIMUM,
  );
  /** Each badge in a grid cell whose text does not fit in it, or that sticks out of its cell. */
  const clipped = () =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("[role='gridcell'] > .badge")]
        .map((badge) => {
          const cell = badge.parentElement as HTMLElement;
          const b = badge.getBoundingClientRect();
          const c = cell.getBoundingClientRect();
          const inside =
            b.left >= c.left - 0.5 &&
            b.right <= c.right + 0.5 &&
            b.top >= c.top - 0.5 &&
            b.bottom <= c.bottom + 0.5;
          const fits =
            badge.scrollWidth <= badge.clientWidth && badge.scrollHeight <= badge.clientHeight;
          return { text: badge.textContent ?? '', fits, inside, width: Math.round(b.width) };
        })
        .filter(({ fits, inside }) => !fits || !inside),
    );
  const texts = () =>
    page.evaluate(() =>
      [...document.querySelectorAll("[role='gridcell'] > .badge")].map((b) => b.textContent),
    );

  await expect(page.getByTestId('queue-row')).toHaveCount(uploads.length + 1);
  expect(await texts()).toEqual(
    expect.arrayContaining(['Waiting for network', 'Already in bucket', "Kept bucket's version"]),
  );
  expect(await clipped()).toEqual([]);

  await open(page, 'History');
  await expect(page.getByTestId('history-row')).toHaveCount(history.length);
  expect(await texts()).toEqual(expect.arrayContaining(['Waiting for network']));
  expect(await clipped()).toEqual([]);
  await page.context().close();
});

/** What must hold in any view at any size: the page itself never scrolls, lists never sideways. */
async function fitsTheWindow(page: Page) {
  const layout = await page.evaluate(() => {
    const root = document.documentElement;
    const lists = [...document.querySelectorAll<HTMLElement>('.vtable-body')];
    const outside = [...document.querySelectorAll<HTMLElement>('[role="row"] button')].filter(
      (button) => {
        const list = button.closest('.vtable-body');
        if (!list) return false;
        const a = button.getBoundingClientRect();
        const b = list.getBoundingClientRect();
        return a.left < b.left || a.right > b.right;
      },
    );
    return {
      pageScrolls: root.scrollHeight > innerHeight || root.scrollWidth > innerWidth,
      scrollY: window.scrollY,
      sideways: lists.filter((l) => l.scrollWidth > l.clientWidth || l.scrollLeft > 0).length,
      outside: outside.map((b) => b.getAttribute('aria-label')),
    };
  });
  expect(layout).toEqual({ pageScrolls: false, scrollY: 0, sideways: 0, outside: [] });
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeInViewport();
}

test('every view works at the minimum size, 760×540', async ({ chromium }) => {
  const { page } = await openStandIn(
    await chromium(),
    { uploads: uploadsInEveryStatus(40) },
    MINIMUM,
  );
  await fitsTheWindow(page);

  // Tabbing through the whole upload view never scrolls the page or a list sideways.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    await fitsTheWindow(page);
  }
  // The queue's rows, reached, are whole and inside the list.
  const row = page.getByTestId('queue-row').first();
  await row.scrollIntoViewIfNeeded();
  await expect(row.getByRole('button', { name: /^Pause / })).toBeInViewport({ ratio: 1 });

  await open(page, 'History');
  await fitsTheWindow(page);
  const visibleRows = async () =>
    page.evaluate(() => {
      const list = document.querySelector('.history-table .vtable-body') as HTMLElement;
      const box = list.getBoundingClientRect();
      return [...list.querySelectorAll('[role="row"]')].filter((row) => {
        const r = row.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      }).length;
    });
  expect(await visibleRows()).toBeGreaterThanOrEqual(4);
  // Details slide over the list and leave it whole.
  await page.getByTestId('history-row').first().click();
  await expect(page.getByTestId('history-details')).toBeVisible();
  await fitsTheWindow(page);
  expect(await visibleRows()).toBeGreaterThanOrEqual(4);
  await page.getByRole('button', { name: 'Close details' }).click();

  await open(page, 'Settings');
  await fitsTheWindow(page);
  await page.context().close();
});

test('the history shows a page, loads the next as the list scrolls to its end, and counts matches', async ({
  chromium,
}) => {
  const history = historyRows(1200);
  const { page, asked } = await openStandIn(await chromium(), { history });
  await open(page, 'History');
  const grid = page.getByRole('grid', { name: 'Upload history' });
  const line = page.locator('.count-line');
  await expect(line).toHaveText('1,200 uploads');
  // The first page only: 500 rows and the header.
  await expect(grid).toHaveAttribute('aria-rowcount', '501');
  const toEnd = () =>
    page.evaluate(() => {
      const list = document.querySelector('.history-table .vtable-body') as HTMLElement;
      list.scrollTop = list.scrollHeight;
    });
  await toEnd();
  await expect(grid).toHaveAttribute('aria-rowcount', '1001');
  await toEnd();
  await expect(grid).toHaveAttribute('aria-rowcount', '1201');
  // At the end, the oldest upload; and nothing more to ask for.
  await toEnd();
  await expect(page.getByRole('button', { name: /^scan-1199\.fastq\.gz/ })).toBeVisible();
  await page.waitForTimeout(200);
  expect((await asked()).filter((method) => method === 'queryHistory')).toHaveLength(3);

  await page.getByRole('searchbox', { name: 'Search history' }).fill('SCAN-11');
  // scan-1104 … scan-1199, and scan-114 and scan-119.
  const matching = history.filter((row) => row.localPath.includes('scan-11')).length;
  expect(matching).toBe(22);
  await expect(line).toHaveText('22 uploads match');
  await expect(grid).toHaveAttribute('aria-rowcount', String(matching + 1));
  await page.context().close();
});

/** The focused element's row in the grid named `grid`, or null when focus is outside it. */
async function focusedRow(page: Page, grid: string) {
  return page.evaluate((name) => {
    const focused = document.activeElement as HTMLElement | null;
    if (!focused?.closest(`[role="grid"][aria-label="${name}"]`)) return null;
    const row = focused.closest<HTMLElement>('[data-row-key]');
    return {
      key: row?.dataset.rowKey ?? null,
      on: focused === row ? 'row' : (focused.getAttribute('aria-label') ?? focused.tagName),
    };
  }, grid);
}

test('the queue and history are one Tab stop each, with arrow keys inside and focus kept', async ({
  chromium,
}) => {
  // 301 uploads: tabbing past them used to take 301 Tabs.
  const { page, emit } = await openStandIn(await chromium(), {
    uploads: uploadsInEveryStatus(301 - UPLOAD_STATUSES.length),
  });
  const queue = 'Upload queue';
  await page.getByRole('button', { name: 'Cancel all…' }).focus();
  await page.keyboard.press('Tab');
  expect(await focusedRow(page, queue)).toEqual({ key: 'u0', on: 'row' });
  await page.keyboard.press('Tab');
  expect(await focusedRow(page, queue)).toBeNull();
  await page.keyboard.press('Shift+Tab');
  expect(await focusedRow(page, queue)).toEqual({ key: 'u0', on: 'row' });

  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  expect(await focusedRow(page, queue)).toEqual({ key: 'u2', on: 'row' });
  await page.keyboard.press('End');
  const last = page.locator('[aria-rowindex="302"]'); // after the header, the 301st row
  await expect(last).toBeFocused();
  await expect(last).toBeInViewport();
  const lastKey = await last.getAttribute('data-row-key');
  // Scrolled away with the mouse, the active row stays the list's Tab stop.
  await page.getByRole('rowgroup', { name: /^Upload queue, 301 rows/ }).evaluate((list) => {
    list.scrollTop = 0;
  });
  await page.getByRole('button', { name: 'Cancel all…' }).focus();
  await page.keyboard.press('Tab');
  expect(await focusedRow(page, queue)).toEqual({ key: lastKey, on: 'row' });
  await page.keyboard.press('Home');
  await expect.poll(() => focusedRow(page, queue)).toEqual({ key: 'u0', on: 'row' });

  // Right goes to the row's buttons; the row re-rendered keeps the focus.
  await page.keyboard.press('ArrowRight');
  expect(await focusedRow(page, queue)).toEqual({ key: 'u0', on: 'Pause reads-000.fastq.gz' });
  await emit([
    { ...uploadsInEveryStatus()[0]!, status: 'uploading', uploadedBytes: 100, speed: 9 },
  ]);
  await expect(page.locator('[data-row-key="u0"]')).toContainText('Uploading');
  expect(await focusedRow(page, queue)).toEqual({ key: 'u0', on: 'Pause reads-000.fastq.gz' });
  // Pausing replaces Pause with Resume: focus stays in the row, on its button.
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-row-key="u0"] [data-status]')).toHaveAttribute(
    'data-status',
    'paused',
  );
  await expect
    .poll(() => focusedRow(page, queue))
    .toEqual({ key: 'u0', on: 'Resume reads-000.fastq.gz' });

  await open(page, 'History');
  const history = 'Upload history';
  await page.getByRole('searchbox', { name: 'Search history' }).focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab'); // the filter, two exports
  await page.keyboard.press('Tab');
  expect(await focusedRow(page, history)).toEqual({ key: 'h0', on: 'row' });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('history-details')).toContainText('sample-001.fastq.gz');
  await page.context().close();
});

test('axe finds no violations in any view, light or dark', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const views: Array<[string, () => Promise<void>]> = [
      ['upload', () => open(page, 'Upload')],
      ['history', () => open(page, 'History')],
      [
        'history details',
        async () => {
          await page.getByTestId('history-row').first().click();
          await expect(page.getByTestId('history-details')).toBeVisible();
        },
      ],
      ['settings', () => open(page, 'Settings')],
    ];
    for (const [name, show] of views) {
      await show();
      await expectAccessible(page, `${scheme} ${name}`);
    }
  }
  await page.context().close();
});

// Compared with the committed images in window.spec.ts-snapshots/ (fixed data,
// UTC, no animations): a change in how a view looks shows up as a failing
// test, to be accepted with `--update-snapshots` when it was meant.
test('the main views look as committed', async ({ chromium }) => {
  for (const [size, viewport] of [
    ['', { width: 1280, height: 800 }],
    ['-minimum', MINIMUM],
  ] as const) {
    const { page } = await openStandIn(
      await chromium(),
      { uploads: uploadsInEveryStatus(12) },
      viewport,
    );
    await page.mouse.move(0, 0);
    await expect(page).toHaveScreenshot(`upload${size}.png`);
    if (size !== '') {
      await page.getByRole('heading', { name: 'Queue' }).scrollIntoViewIfNeeded();
      await expect(page).toHaveScreenshot(`queue${size}.png`);
    }
    await open(page, 'History');
    await page.getByTestId('history-row').nth(2).click();
    await expect(page.getByTestId('history-details')).toBeVisible();
    await page.mouse.move(0, 0);
    await expect(page).toHaveScreenshot(`history${size}.png`);
    await open(page, 'Settings');
    await expect(page.getByText('In use', { exact: true })).toBeVisible();
    await expect(page).toHaveScreenshot(`settings${size}.png`);
    if (size === '') {
      await page.emulateMedia({ colorScheme: 'dark' });
      await open(page, 'Upload');
      await expect(page).toHaveScreenshot('upload-dark.png');
    }
    await page.context().close();
  }
});

test('the queue leads with unfinished uploads, and counts and offers only what is left', async ({
  chromium,
}) => {
  const done = uploadsInEveryStatus(300)
    .slice(UPLOAD_STATUSES.length)
    .map((upload, i) => ({ ...upload, id: `d${i}`, status: 'done' as const }));
  const { page, emit } = await openStandIn(await chromium(), { uploads: done });
  const tab = page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: /^Upload/ });
  await expect(tab).toHaveText('Upload'); // not "Upload 300": nothing is left to do
  const toolbar = page.getByRole('toolbar', { name: 'All files' });
  for (const name of ['Pause all', 'Resume all', 'Retry failed', 'Cancel all…']) {
    await expect(toolbar.getByRole('button', { name })).toBeDisabled();
  }
  await expect(toolbar.getByRole('button', { name: 'Clear finished' })).toBeEnabled();

  // Three new uploads show at the top of the list, not below 300 finished rows.
  const fresh = uploadsInEveryStatus(3)
    .slice(UPLOAD_STATUSES.length)
    .map((upload, i) => ({ ...upload, id: `new${i}`, localPath: `/data/new-${i}.bam` }));
  await emit(fresh);
  await expect(tab).toHaveText('Upload3');
  const rows = page.getByTestId('queue-row');
  await expect(rows.nth(0)).toContainText('new-0.bam');
  await expect(rows.nth(2)).toContainText('new-2.bam');
  await expect(rows.nth(0)).toBeInViewport();
  await expect(toolbar.getByRole('button', { name: 'Pause all' })).toBeEnabled();
  await expect(toolbar.getByRole('button', { name: 'Cancel all…' })).toBeEnabled();
  await page.context().close();
});

test('the key form says what is wrong in its own words, and long messages wrap', async ({
  chromium,
}) => {
  const { page } = await openStandIn(await chromium(), {}, MINIMUM);
  await open(page, 'Settings');
  const form = page.getByRole('form', { name: 'Store access keys' });
  const store = form.getByRole('button', { name: 'Store keys' });
  await expect(store).toBeDisabled();
  await form.getByLabel('Name').fill('lab');
  await form.getByLabel('Access key ID').fill('AKIAIOSFODNN7EXAMPLE');
  await form.getByLabel('Secret access key').fill('short');
  // Disabled until main would take them, with the reason next to the field.
  await expect(store).toBeDisabled();
  await expect(form.getByLabel('Secret access key')).toHaveAccessibleDescription(
    'The secret access key is at least 8 characters (AWS gives 40).',
  );
  await expect(page.locator('body')).not.toContainText(/Too small|Invalid|secretAccessKey/);
  await form.getByLabel('Secret access key').fill('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  await expect(store).toBeEnabled();
  await store.click();
  const alert = form.getByRole('alert');
  await expect(alert).toContainText('The keychain refused');
  const overflow = await alert.evaluate((element) => {
    const card = element.closest('.card') as HTMLElement;
    return {
      inside: element.getBoundingClientRect().right <= card.getBoundingClientRect().right,
      scrolls: element.scrollWidth > element.clientWidth,
    };
  });
  expect(overflow).toEqual({ inside: true, scrolls: false });
  await fitsTheWindow(page);
  await page.context().close();
});

test('notices cover no button', async ({ chromium }) => {
  for (const viewport of [{ width: 1280, height: 800 }, MINIMUM]) {
    const { page } = await openStandIn(
      await chromium(),
      { uploads: uploadsInEveryStatus(40) },
      viewport,
    );
    await open(page, 'History');
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Export CSV' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Exported 40 rows' })).toHaveCount(4);
    await open(page, 'Upload');
    for (const end of ['top', 'bottom']) {
      await page.getByRole('rowgroup', { name: /^Upload queue/ }).evaluate((list, at) => {
        list.scrollTop = at === 'top' ? 0 : list.scrollHeight;
        list.scrollIntoView({ block: at === 'top' ? 'start' : 'end' });
      }, end);
      const covered = await page.evaluate(() => {
        const notices = [...document.querySelectorAll('.notice')].map((n) =>
          n.getBoundingClientRect(),
        );
        return [...document.querySelectorAll('button')]
          .filter((button) => !button.closest('.notice'))
          .filter((button) => {
            const b = button.getBoundingClientRect();
            // Rows rendered past a list's edge (overscan) are clipped, not shown.
            const list = button.closest('.vtable-body')?.getBoundingClientRect();
            if (list && (b.bottom <= list.top || b.top >= list.bottom)) return false;
            return notices.some(
              (n) => b.left < n.right && n.left < b.right && b.top < n.bottom && n.top < b.bottom,
            );
          })
          .map((button) => button.getAttribute('aria-label') ?? button.textContent);
      });
      expect(covered, `${viewport.width}×${viewport.height}, list at the ${end}`).toEqual([]);
    }
    await page.context().close();
  }
});

test('the row × asks first for a large file, and not for a small one', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  const big = page.locator('[data-row-key="u2"] [data-status]'); // 222.5 MiB, uploading
  await page.getByRole('button', { name: 'Cancel lane-002.fastq.gz' }).click();
  const no = page.getByRole('button', { name: 'No, keep lane-002.fastq.gz' });
  await expect(no).toBeFocused();
  await expect(big).toContainText('Cancel (41% sent)?');
  await no.click();
  await expect(big).toHaveAttribute('data-status', 'uploading');
  await page.getByRole('button', { name: 'Cancel lane-002.fastq.gz' }).click();
  await page.getByRole('button', { name: 'Yes, cancel lane-002.fastq.gz' }).click();
  await expect(big).toHaveAttribute('data-status', 'cancelled');

  // 512 KiB, not started: gone at once.
  await page.getByRole('button', { name: 'Cancel reads-000.fastq.gz' }).click();
  await expect(page.locator('[data-row-key="u0"] [data-status]')).toHaveAttribute(
    'data-status',
    'cancelled',
  );
  await page.context().close();
});

test('the bucket review fits the smallest window, works from the keyboard, and says what Upload sends', async ({
  chromium,
}) => {
  for (const [size, viewport] of [
    ['', { width: 1280, height: 800 }],
    ['-minimum', MINIMUM],
  ] as const) {
    // A queue with no speed or ETA in it (they depend on when the screenshot is taken).
    const still = uploadsInEveryStatus().filter(
      (u) => !['hashing', 'uploading', 'verifying'].includes(u.status),
    );
    const { page } = await openStandIn(await chromium(), { uploads: still }, viewport);
    await page.getByRole('button', { name: 'Choose folder' }).click();
    const review = page.getByRole('region', { name: 'Review before uploading' });
    const groups = review.getByRole('list', { name: 'Compared with the bucket' });
    await expect(groups.getByRole('listitem').filter({ hasText: ' new (' })).toHaveText(
      '4 new (377.0 MiB to send)',
    );
    await expect(groups).toContainText('4 already in the bucket — skipped');
    await expect(groups).toContainText('3 different from the bucket — kept');
    await expect(groups).toContainText('1 already in the queue — added once');
    const differ = review.getByRole('list', { name: 'Files that differ from the bucket' });
    await expect(differ).toContainText(
      'This file 15.5 MiB; the object there 1.00 MiB, changed 2026-03-01 09:30:00',
    );
    await expect(review.getByRole('button', { name: 'Upload 4 files' })).toBeEnabled();
    await review
      .getByRole('heading', { name: 'Compared with the bucket' })
      .evaluate((title) => title.scrollIntoView({ block: 'start' }));
    await fitsTheWindow(page);
    await expectAccessible(page, `bucket review${size}`);
    await page.mouse.move(0, 0);
    await expect(page).toHaveScreenshot(`review${size}.png`);

    // Replace one file, then all, from the keyboard: the button counts what is sent.
    const all = review.getByRole('checkbox', { name: 'Replace all 3' });
    await all.focus();
    await page.keyboard.press('Tab');
    const first = review
      .getByRole('checkbox', { name: /^Replace study-1\/run-7\/run-8\// })
      .first();
    await expect(first).toBeFocused();
    await page.keyboard.press('Space');
    await expect(first).toBeChecked();
    await expect(groups).toContainText(
      '3 different from the bucket — 1 replaced (15.5 MiB to send), 2 kept',
    );
    await expect(review.getByRole('button', { name: 'Upload 5 files' })).toBeVisible();
    await all.focus();
    await page.keyboard.press('Space');
    await expect(review.getByRole('button', { name: 'Upload 7 files' })).toBeVisible();
    await expect(review.getByRole('checkbox', { name: /^Replace study-1/ })).toHaveCount(3);
    for (const box of await review.getByRole('checkbox', { name: /^Replace study-1/ }).all()) {
      await expect(box).toBeChecked();
    }
    await fitsTheWindow(page);
    await page.keyboard.press('Space');
    await expect(review.getByRole('button', { name: 'Upload 4 files' })).toBeVisible();
    await page.context().close();
  }
});

test('an s3:// address pasted into Bucket fills bucket and folder', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  const form = page.getByRole('form', { name: 'Target' });
  await form.getByLabel('Bucket', { exact: true }).fill('s3://center-bucket/study-1/run-2/');
  await expect(form.getByLabel('Bucket', { exact: true })).toHaveValue('center-bucket');
  await expect(form.getByLabel('Folder in the bucket', { exact: true })).toHaveValue(
    'study-1/run-2',
  );
  await expect(form).toContainText('s3://center-bucket/study-1/run-2/');
  await page.context().close();
});

test('List buckets shows the buckets, and choosing one fills the field', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  const form = page.getByRole('form', { name: 'Target' });
  await form.getByRole('button', { name: 'List buckets' }).click();
  const list = form.getByRole('list', { name: 'Buckets' });
  await expect(list).toBeVisible();
  await list.getByRole('button', { name: 'center-archive' }).click();
  await expect(form.getByLabel('Bucket', { exact: true })).toHaveValue('center-archive');
  await expectAccessible(page, 'bucket list');
  await page.context().close();
});

test('the open folder browser follows the folder typed in the field', async ({ chromium }) => {
  const { page } = await openStandIn(await chromium());
  const form = page.getByRole('form', { name: 'Target' });
  await form.getByRole('button', { name: 'Browse…' }).click();
  const folders = form.getByRole('list', { name: 'Sub-folders' });
  await expect(folders).toContainText('run-1');
  const field = form.getByLabel('Folder in the bucket', { exact: true });
  await field.fill('study-9/batch-3');
  await expect(form.locator('.folder-path')).toContainText('study-9/batch-3/');
  await expect(field).toHaveValue('study-9/batch-3'); // what was typed stays as typed
  await page.context().close();
});
