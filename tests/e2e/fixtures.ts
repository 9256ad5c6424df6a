import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  _electron,
  expect,
  test as base,
  type Browser,
  type ElectronApplication,
  type Page,
} from '@playwright/test';
import { build } from 'vite';
import { HASH_WORKER } from '../helpers/build';
import { CHROMIUM } from '../helpers/chromium';
import {
  createBucket,
  startMoto,
  startRecordingProxy,
  TEST_CREDENTIALS,
  testClient,
  type Moto,
  type RecordingProxy,
} from '../helpers/moto';
import { startTestHost, type TestHost } from './host';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUCKET = 'lab-bucket';
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');
/** Every run's screenshots; docs/ gets them when missing or when asked (they differ run to run). */
const RUN_SCREENSHOTS = join(ROOT, '.labdrop-test/screenshots');
/** What S3 answers to a request signed with a session that has expired. */
const EXPIRED_TOKEN = {
  status: 400,
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>',
};

/** The slow endpoint's pace: a 40 MiB file takes about five seconds. */
const SLOW_BYTES_PER_SECOND = 8 * 1024 * 1024;

export type Mode = 'browser' | 'electron';

interface Backend {
  moto: Moto;
  slow: RecordingProxy;
  bridgeScript: string;
}

export interface Labdrop {
  page: Page;
  mode: Mode;
  /** The real app's main process, in the Electron run; null in the browser run. */
  electronApp: ElectronApplication | null;
  /** moto, for the target form and for checking the bucket. */
  endpoint: string;
  /** moto behind a proxy that lets request bodies through slowly. */
  slowEndpoint: string;
  /**
   * From now on the slow endpoint answers every request as S3 does once a
   * session has run out (400 ExpiredToken), until called with false.
   */
  sessionExpired(expired: boolean): void;
  s3: S3Client;
  /** A real file of `size` bytes in this test's folder. */
  file(name: string, size: number, seed?: number): Promise<string>;
  /** Dropped on the drop zone (browser) or chosen in the open dialog (Electron). */
  addFiles(paths: string[]): Promise<void>;
  setTarget(target: { bucket?: string; prefix?: string; endpoint?: string }): Promise<void>;
  /**
   * A view the README shows: axe must find no violations in it, then it is
   * saved to docs/screenshots/<name>.png (from the Chromium run only).
   */
  screenshot(name: string): Promise<void>;
  /** Files the export dialog saved to. */
  exported(): string[];
}

/**
 * Saves a view to .labdrop-test/screenshots/<name>.png, and to
 * docs/screenshots/ (the README's) when that one is missing or
 * LABDROP_UPDATE_SCREENSHOTS=1: ports, paths and times differ on every run,
 * so refreshing the committed images is a choice, not a side effect.
 */
/**
 * Serves the built renderer from disk at a fake origin, for specs that put a
 * stand-in for main at the bridge: no host needed.
 */
export async function openRenderer(page: Page): Promise<void> {
  await page.route('http://labdrop.test/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    return route.fulfill({
      path: join(ROOT, 'out/renderer', path === '/' ? 'index.html' : path),
    });
  });
  await page.goto('http://labdrop.test/');
}

/** axe (WCAG 2.1 AA and best practices) finds nothing in the page as it is now. */
export async function expectAccessible(page: Page, view: string): Promise<void> {
  await page.waitForTimeout(200); // colour transitions, measured by the contrast rule
  const { violations } = await new AxeBuilder({ page }).analyze();
  const found = violations.map(
    (v) => `${view}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(found, `axe in ${view}`).toEqual([]);
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dismiss = page.locator('.notices').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(250); // let colour transitions finish
  const image = await page.screenshot({ path: join(RUN_SCREENSHOTS, `${name}.png`) });
  const committed = join(SCREENSHOTS, `${name}.png`);
  if (process.env.LABDROP_UPDATE_SCREENSHOTS === '1' || !existsSync(committed)) {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(committed, image);
  }
}

/**
 * Where an Electron binary is installed, its path; null here, where the
 * download is skipped. (Requiring the `electron` package would try to
 * download it.)
 */
export function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const binary = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative)
    : join(dir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

/**
 * The Electron run (`npm run test:electron`) tests the real app or fails:
 * skipped, it would pass having tested nothing.
 */
function requireRealApp(binary: string | null): asserts binary is string {
  if (binary === null) {
    throw new Error(
      'No Electron binary is installed (ELECTRON_SKIP_BINARY_DOWNLOAD): the "electron" project needs `npm ci` with the download; `npm run test:e2e` runs the specs in Chromium.',
    );
  }
  const native = join(
    ROOT,
    `out/native/${process.platform}-${process.arch}`,
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  );
  if (!existsSync(native)) {
    throw new Error(
      `${native} is missing: run \`node build/electron-native.mjs\` (\`npm run test:electron\` does) so the app can open its database.`,
    );
  }
}

/** browser-bridge.ts as one classic script for addInitScript. */
async function bundleBridge(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: join(ROOT, 'tests/e2e/browser-bridge.ts'),
        formats: ['iife'],
        name: 'LabdropTestBridge',
      },
    },
  });
  const result = Array.isArray(output) ? output[0] : output;
  const chunk = (result as { output: Array<{ type: string; code?: string }> }).output.find(
    (o) => o.type === 'chunk',
  );
  if (!chunk?.code) throw new Error('Bundling the test bridge produced no code.');
  return chunk.code;
}

export const test = base.extend<
  { labdrop: Labdrop },
  { backend: () => Promise<Backend>; chromium: () => Promise<Browser> }
>({
  // Started on first use, so specs that do without the labdrop fixture start nothing.
  backend: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      let started: Promise<Backend> | null = null;
      await use(() => {
        started ??= (async () => {
          Object.assign(process.env, TEST_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
          const moto = await startMoto();
          await createBucket(moto.endpoint, BUCKET);
          const slow = await startRecordingProxy(moto.endpoint);
          slow.bytesPerSecond = SLOW_BYTES_PER_SECOND;
          return { moto, slow, bridgeScript: await bundleBridge() };
        })();
        return started;
      });
      if (started) {
        const { moto, slow } = await (started as Promise<Backend>);
        await slow.stop();
        await moto.stop();
      }
    },
    { scope: 'worker' },
  ],

  chromium: [
    async ({ playwright }, use) => {
      let browser: Promise<Browser> | null = null;
      await use(() => (browser ??= playwright.chromium.launch(CHROMIUM)));
      if (browser) await (await (browser as Promise<Browser>)).close();
    },
    { scope: 'worker' },
  ],

  labdrop: async ({ backend: startBackend, chromium }, use, testInfo) => {
    const mode: Mode = testInfo.project.name === 'electron' ? 'electron' : 'browser';
    const backend = await startBackend();
    const dir = await mkdtemp(join(tmpdir(), 'labdrop-e2e-'));
    const files = join(dir, 'files');
    await mkdir(files);
    let host: TestHost | null = null;
    let app: ElectronApplication | null = null;
    let page: Page;
    const exported: string[] = [];

    if (mode === 'electron') {
      const binary = electronBinary();
      requireRealApp(binary);
      // The checkout as `npm start` runs it: package.json names the entry,
      // and main.ts finds better-sqlite3's Electron build under out/native.
      app = await _electron.launch({
        executablePath: binary,
        args: [ROOT],
        env: {
          ...process.env,
          ...TEST_CREDENTIALS,
          LABDROP_HOME: join(dir, 'home'),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      });
      page = await app.firstWindow();
      await app.evaluate(({ dialog }, folder) => {
        dialog.showSaveDialog = (async (...args: unknown[]) => {
          const options = args.at(-1) as { defaultPath?: string };
          const name = (options.defaultPath ?? 'export').split(/[\\/]/).pop() ?? 'export';
          return { canceled: false, filePath: `${folder}/${name}` };
        }) as typeof dialog.showSaveDialog;
      }, dir);
    } else {
      host = await startTestHost({
        rendererDir: join(ROOT, 'out/renderer'),
        dataDir: join(dir, 'home'),
        hashWorker: HASH_WORKER,
      });
      const context = await (
        await chromium()
      ).newContext({ viewport: { width: 1280, height: 820 } });
      page = await context.newPage();
      await page.addInitScript({ content: backend.bridgeScript });
      await page.goto(host.url);
    }

    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await expect(page.getByRole('heading', { name: 'Queue' })).toBeVisible();

    const labdrop: Labdrop = {
      page,
      mode,
      electronApp: app,
      endpoint: backend.moto.endpoint,
      slowEndpoint: backend.slow.endpoint,
      sessionExpired(expired) {
        backend.slow.intercept = expired ? () => EXPIRED_TOKEN : null;
      },
      s3: testClient(backend.moto.endpoint),
      async file(name, size, seed = 1) {
        const path = join(files, name);
        await mkdir(join(path, '..'), { recursive: true });
        const bytes = Buffer.alloc(size);
        let x = seed * 2654435761;
        for (let i = 0; i + 4 <= size; i += 4) {
          x = (x * 1103515245 + 12345) >>> 0;
          bytes.writeUInt32LE(x, i);
        }
        await writeFile(path, bytes);
        return path;
      },
      async addFiles(paths) {
        if (app) {
          await app.evaluate(({ dialog }, chosen) => {
            dialog.showOpenDialog = (async () => ({
              canceled: false,
              filePaths: chosen,
            })) as typeof dialog.showOpenDialog;
          }, paths);
          await page.getByRole('button', { name: 'Choose files' }).click();
          return;
        }
        const entries = paths.map((path) => ({ name: basename(path), path }));
        await page.evaluate((dropped) => {
          window.__labdropTestFiles = {
            ...window.__labdropTestFiles,
            ...Object.fromEntries(dropped.map((e) => [e.name, e.path])),
          };
          const data = new DataTransfer();
          for (const { name } of dropped) data.items.add(new File(['(test)'], name));
          const zone = document.querySelector('[data-testid="drop-zone"]');
          if (!zone) throw new Error('no drop zone');
          for (const type of ['dragenter', 'dragover', 'drop']) {
            zone.dispatchEvent(
              new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }),
            );
          }
        }, entries);
      },
      async setTarget(target) {
        const form = page.getByRole('form', { name: 'Target' });
        const field = (label: string) => form.getByLabel(label, { exact: true });
        if (target.bucket !== undefined) await field('Bucket').fill(target.bucket);
        if (target.prefix !== undefined) await field('Folder in the bucket').fill(target.prefix);
        if (target.endpoint !== undefined) await field('Endpoint').fill(target.endpoint);
      },
      async screenshot(name) {
        if (mode !== 'browser') return;
        await expectAccessible(page, name);
        await saveScreenshot(page, name);
      },
      exported: () => host?.exports ?? exported,
    };

    await use(labdrop);
    backend.slow.intercept = null;

    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('window', { body: await page.screenshot(), contentType: 'image/png' });
    }
    // The window goes first: a host stopping under an open page is an error there.
    const seen = [...problems];
    if (app) await app.close();
    else await page.context().close();
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
    expect(seen, 'errors in the window').toEqual([]);
  },
});

export { expect };

declare global {
  interface Window {
    __labdropTestFiles?: Record<string, string>;
  }
}
