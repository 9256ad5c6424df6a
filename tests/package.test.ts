// The packaged app, as electron-builder lays it out (`npm run dist`). No
// Electron binary can be fetched here, so the package is made around a
// stand-in one; what is checked is everything else electron-builder ships:
// the app.asar archive and the few files unpacked beside it, and the fuses
// it flips in the binary. The command line shares the main process's
// bundle, so running it from the archive's contents alone shows the engine
// finds all it needs there. (Node cannot read inside an archive, as Electron
// does, so it runs from an extracted copy; the unpacked worker, which the app
// starts from app.asar.unpacked, is run where it lies.)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractAll, getRawHeader, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkerFile, HashPool } from '../electron/engine/hash-pool';
import { cliEnv, startCli } from './helpers/cli';
import { createBucket, startMoto, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILDER = join(ROOT, 'node_modules/electron-builder/cli.js');
const NATIVE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

/** Where @electron/fuses finds the fuse wire in an Electron binary. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's own fuse settings, in @electron/fuses' order: what a package gets unless it flips them. */
const ELECTRON_DEFAULT_FUSES = '10110001';

let dir: string;
/** resources/ of the packaged Linux app. */
let resources: string;
/** resources/app.asar, and what it holds ('/out/main/main.js', …). */
let archive: string;
let archived: string[];
/** resources/app.asar.unpacked */
let unpacked: string;
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
  // A script that fails if run, carrying a fuse wire as Electron's binary
  // does: the sentinel, the wire's version (1) and length, one byte a fuse.
  await writeFile(
    join(electronDist, 'electron'),
    Buffer.concat([
      Buffer.from(`#!/bin/sh\nexit 1\n# ${FUSE_SENTINEL}`),
      Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]),
      Buffer.from(`${ELECTRON_DEFAULT_FUSES}\n`),
    ]),
  );
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
  resources = join(dir, 'dist/linux-unpacked/resources');
  archive = join(resources, 'app.asar');
  archived = listPackage(archive, { isPack: false }).map((path) => path.replaceAll('\\', '/'));
  unpacked = join(resources, 'app.asar.unpacked');
  moto = await startMoto();
  await createBucket(moto.endpoint, 'packaged');
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packaged app', () => {
  it('is one archive holding the built app and only the modules that are not bundled into it', () => {
    for (const file of [
      'package.json',
      'out/main/main.js',
      'out/main/cli.js',
      'out/main/hash.worker.js',
      'out/preload/preload.cjs',
      'out/renderer/index.html',
      'node_modules/better-sqlite3/lib/index.js',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/s3rver/package.json',
      'node_modules/https-proxy-agent/package.json',
      'node_modules/electron-log/package.json',
    ]) {
      expect(archived, file).toContain(`/${file}`);
    }
    // No second copy of the app beside the archive, for Electron to run instead.
    expect(existsSync(join(resources, 'app'))).toBe(false);
    // Bundled into out/: not shipped a second time.
    const modules = Object.keys(
      (getRawHeader(archive).header.files.node_modules as { files: Record<string, unknown> }).files,
    );
    for (const bundled of ['@aws-sdk', '@smithy', 'react', 'react-dom', 'zod', 'zustand']) {
      expect(modules).not.toContain(bundled);
    }
    // Nor source maps, SQLite's sources, or what building it left behind.
    expect(archived.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(archived.filter((f) => f.startsWith('/node_modules/better-sqlite3/deps'))).toEqual([]);
    expect(
      archived.filter((f) => f.startsWith('/node_modules/better-sqlite3/build/Release/')),
    ).toEqual(['/node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
  });

  it('unpacks only the hash worker and the native module, as real files', async () => {
    const real = [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'out/main/hash.worker.js',
    ];
    const isUnpacked = (file: string) => {
      const entry = statFile(archive, file.slice(1));
      return 'unpacked' in entry && entry.unpacked === true && !('files' in entry);
    };
    expect(archived.filter(isUnpacked).sort()).toEqual(real.map((f) => `/${f}`));
    const onDisk = await readdir(unpacked, { recursive: true, withFileTypes: true });
    expect(
      onDisk
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name).slice(unpacked.length + 1))
        .sort(),
    ).toEqual(real.map((f) => join(f)));
  });

  it('starts its hash worker from app.asar.unpacked, where the app looks for it', async () => {
    // The folder of main.js as Electron sees it: inside the archive.
    const worker = findWorkerFile(join(archive, 'out/main'));
    expect(worker).toBe(join(unpacked, 'out/main/hash.worker.js'));
    const path = await writeTestFile(dir, 'data/worker.bin', 3 * 1024 * 1024 + 1, 3);
    const pool = new HashPool({ threads: 1, workerFile: worker });
    try {
      expect((await pool.hashFile(path)).md5Base64).toBe(
        createHash('md5')
          .update(await readFile(path))
          .digest('base64'),
      );
    } finally {
      await pool.close();
    }
  });

  it('has the fuses flipped: no Node mode, NODE_OPTIONS or --inspect; the app only from its checked archive', async () => {
    const wire = await getCurrentFuseWire(join(dir, 'dist/linux-unpacked/labdrop'));
    const fuses = Object.fromEntries(
      Object.entries(wire)
        // The fuses' states are numbers; the version is a string.
        .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
        .map(([index, state]) => [FuseV1Options[Number(index)], String.fromCharCode(state)]),
    );
    expect(wire.version).toBe('1');
    expect(fuses).toEqual({
      RunAsNode: '0',
      EnableCookieEncryption: '1',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      EnableEmbeddedAsarIntegrityValidation: '1',
      OnlyLoadAppFromAsar: '1',
      // Electron's defaults, left alone: the renderer is loaded from file://.
      LoadBrowserProcessSpecificV8Snapshot: '0',
      GrantFileProtocolExtraPrivileges: '1',
    });
  });

  it('ships the Electron build of better-sqlite3 for its target, leaving the checkout’s alone', async () => {
    expect(JSON.parse(await readFile(join(dir, 'target.json'), 'utf8'))).toEqual({
      electronVersion,
      platform: 'linux',
      arch: process.arch,
    });
    const shipped = await readFile(join(unpacked, NATIVE));
    expect(shipped.equals(await readFile(join(dir, 'stand-in.node')))).toBe(true);
    // The command line and the tests still load the Node build.
    expect((await readFile(join(ROOT, NATIVE))).equals(checkoutNative)).toBe(true);
  });

  it('uploads with the grants and content-md5 from what it ships alone', async () => {
    // The archive's contents with the unpacked files in their places.
    const app = join(dir, 'extracted');
    extractAll(archive, app);
    expect(
      (await readFile(join(app, NATIVE))).equals(await readFile(join(dir, 'stand-in.node'))),
    ).toBe(true);
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
