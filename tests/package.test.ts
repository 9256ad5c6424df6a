// The packaged app, as electron-builder lays it out (`npm run dist`). No
// Electron binary can be fetched here, so the package is made around a
// stand-in one; what is checked is everything else electron-builder ships:
// the built app, and the node_modules its main process loads at run time.
// The command line shares the main process's bundle, so running it from the
// package alone shows the engine finds all it needs there.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, startCli } from './helpers/cli';
import { createBucket, startMoto, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILDER = join(ROOT, 'node_modules/electron-builder/cli.js');
const NATIVE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

let dir: string;
/** resources/app of the packaged Linux app. */
let app: string;
let moto: Moto;
let checkoutNative: Buffer;
let electronVersion: string;

async function electronBuilder(args: string[]): Promise<void> {
  const child = spawn(process.execPath, [BUILDER, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`electron-builder exited ${code}:\n${output}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-package-'));
  const electronDist = join(dir, 'electron');
  await mkdir(electronDist);
  await writeFile(join(electronDist, 'electron'), '#!/bin/sh\nexit 1\n');
  await chmod(join(electronDist, 'electron'), 0o755);
  ({ version: electronVersion } = JSON.parse(
    await readFile(join(ROOT, 'node_modules/electron/package.json'), 'utf8'),
  ) as { version: string });
  // Building better-sqlite3 for Electron needs Electron's headers, which
  // cannot be fetched here either. So the app's afterPack hook is given a
  // stand-in build: a copy of the Node build (the CLI below loads it) with a
  // marker appended, so the package shows which copy it got; the loader
  // ignores bytes after the module's last section.
  const standIn = join(dir, 'stand-in.node');
  await writeFile(
    standIn,
    Buffer.concat([await readFile(join(ROOT, NATIVE)), Buffer.from('labdrop stand-in')]),
  );
  const hook = join(dir, 'after-pack.mjs');
  await writeFile(
    hook,
    [
      `import { writeFileSync } from 'node:fs';`,
      `import { installNativeModule } from ${JSON.stringify(pathToFileURL(join(ROOT, 'build/electron-native.mjs')).href)};`,
      `export const afterPack = (context) => installNativeModule(context, async (target) => {`,
      `  writeFileSync(${JSON.stringify(join(dir, 'target.json'))}, JSON.stringify(target));`,
      `  return ${JSON.stringify(standIn)};`,
      `});`,
    ].join('\n'),
  );
  checkoutNative = await readFile(join(ROOT, NATIVE));
  await electronBuilder([
    '--linux',
    'dir',
    `-c.electronDist=${electronDist}`,
    `-c.electronVersion=${electronVersion}`,
    `-c.directories.output=${join(dir, 'dist')}`,
    `-c.afterPack=${hook}`,
  ]);
  app = join(dir, 'dist/linux-unpacked/resources/app');
  moto = await startMoto();
  await createBucket(moto.endpoint, 'packaged');
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packaged app', () => {
  it('holds the built app and only the modules that are not bundled into it', async () => {
    for (const file of [
      'out/main/main.js',
      'out/main/cli.js',
      'out/main/hash.worker.js',
      'out/preload/preload.cjs',
      'out/renderer/index.html',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/s3rver/package.json',
      'node_modules/https-proxy-agent/package.json',
      'node_modules/electron-log/package.json',
    ]) {
      expect(existsSync(join(app, file)), file).toBe(true);
    }
    // Bundled into out/: not shipped a second time.
    const modules = await readdir(join(app, 'node_modules'));
    for (const bundled of ['@aws-sdk', '@smithy', 'react', 'react-dom', 'zod', 'zustand']) {
      expect(modules).not.toContain(bundled);
    }
    // Nor source maps, SQLite's sources, or what building it left behind.
    const files = await readdir(app, { recursive: true });
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(await readdir(join(app, 'node_modules/better-sqlite3'))).not.toContain('deps');
    expect(await readdir(join(app, 'node_modules/better-sqlite3/build/Release'))).toEqual([
      'better_sqlite3.node',
    ]);
  });

  it('ships the Electron build of better-sqlite3 for its target, leaving the checkout’s alone', async () => {
    expect(JSON.parse(await readFile(join(dir, 'target.json'), 'utf8'))).toEqual({
      electronVersion,
      platform: 'linux',
      arch: process.arch,
    });
    const shipped = await readFile(join(app, NATIVE));
    expect(shipped.equals(await readFile(join(dir, 'stand-in.node')))).toBe(true);
    // The command line and the tests still load the Node build.
    expect((await readFile(join(ROOT, NATIVE))).equals(checkoutNative)).toBe(true);
  });

  it('uploads with the grants and content-md5 from what it ships alone', async () => {
    const path = await writeTestFile(dir, 'data/sample.fastq', 20 * 1024 * 1024 + 5, 7);
    const { done } = startCli(
      [
        'upload',
        path,
        '--bucket',
        'packaged',
        '--prefix',
        'center',
        '--endpoint',
        moto.endpoint,
        '--yes',
      ],
      { cli: join(app, 'out/main/cli.js'), env: cliEnv(dir, join(dir, 'home')) },
    );
    const run = await done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectObjectMatches(moto.endpoint, 'packaged', 'center/sample.fastq', path);
  });
});
