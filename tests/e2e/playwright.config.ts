import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs: the built renderer driven in Debian's Chromium against the
 * test host (real handlers, engine and moto) — `npm run test:e2e`, after
 * `npm run build` — and the same specs in the real app through Playwright's
 * Electron launcher — `npm run test:electron`, where Electron's binary is
 * installed (on Linux, under a display such as `xvfb-run`).
 */
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  globalSetup: './global-setup.ts',
  outputDir: '../../.labdrop-test/e2e-results',
  // Two cores: one worker drives one browser; each test gets its own host.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  // Screenshots (window.spec.ts) are compared as rendered here, by Debian's
  // Chromium and fonts; a few pixels of anti-aliasing may differ. Other
  // systems' fonts differ by more: there the layout checks still run, the
  // pictures are not compared.
  expect: { timeout: 15_000, toHaveScreenshot: { maxDiffPixels: 100 } },
  ignoreSnapshots: process.platform !== 'linux',
  reporter: [['list']],
  // The browser run launches Debian's Chromium itself (see fixtures.ts); the
  // Electron run launches the built app, and fails without a binary.
  projects: [{ name: 'chromium' }, { name: 'electron' }],
});
