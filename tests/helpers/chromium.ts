/**
 * Debian's Chromium, launched the way this workplace allows: Playwright's own
 * browsers cannot be downloaded here, and without the background-networking
 * flags Chromium keeps dialling hosts the closed network refuses.
 */
export const CHROMIUM = {
  executablePath: process.env.LABDROP_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
