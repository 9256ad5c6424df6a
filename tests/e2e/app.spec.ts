// The app starts: its one window opens on the queue with the drop zone. In
// the Electron run (`npm run test:electron`) this is the real app, as
// `npm start` runs it, and the window is checked from its main process too.
import { expect, test } from './fixtures';

test('the app opens its window on the drop zone', async ({ labdrop }) => {
  const { page, electronApp } = labdrop;
  await expect(page).toHaveTitle('Labdrop');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose files' })).toBeEnabled();
  if (!electronApp) return;

  // Shown once ready (ready-to-show), on the built page rather than a dev server.
  await expect
    .poll(() =>
      electronApp.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows().map((win) => ({
          visible: win.isVisible(),
          url: win.webContents.getURL(),
        })),
      ),
    )
    .toEqual([
      { visible: true, url: expect.stringMatching(/^file:.*\/out\/renderer\/index\.html$/) },
    ]);
});
