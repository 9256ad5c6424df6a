#!/usr/bin/env node
// better-sqlite3 is a native module, and Electron's Node ABI differs from the
// Node that runs the command line and the tests. node_modules keeps the Node
// build; this script builds a second copy for Electron under
// out/native/<platform>-<arch>/, once per Electron and better-sqlite3 version.
// - `npm start` and `npm run dev` run it as a script: electron/main.ts loads
//   the host's copy as its `nativeBinding`.
// - `npm run dist` calls `afterPack` (electron-builder.yml), which puts the
//   target's copy into the packaged app. electron-builder's own rebuild is off
//   because it rebuilds this checkout's node_modules in place, which would
//   leave the command line and the tests with a module they cannot load.
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Absolute, as @electron/rebuild requires, and whatever the working directory.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODULE = 'node_modules/better-sqlite3';
const BINDING = 'build/Release/better_sqlite3.node';

/** @param {string} file */
const read = (file) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

/**
 * @typedef {{ electronVersion: string, platform: NodeJS.Platform, arch: string }} Target
 * @typedef {typeof import('@electron/rebuild').rebuild} Rebuild
 */

/**
 * better_sqlite3.node built for one Electron, platform and arch; built the
 * first time it is asked for. Returns its path. `rebuild` is there for the
 * test, which cannot fetch Electron's headers or prebuilds.
 * @param {Target} target
 * @param {Rebuild} [rebuild]
 * @returns {Promise<string>}
 */
export async function buildForElectron({ electronVersion, platform, arch }, rebuild) {
  const sqliteVersion = read(join(MODULE, 'package.json')).version;
  const root = join(ROOT, 'out', 'native', `${platform}-${arch}`);
  const stamp = join(root, 'built-for');
  const binding = join(root, MODULE, BINDING);
  const wanted = `electron ${electronVersion} better-sqlite3 ${sqliteVersion}`;
  if (existsSync(binding) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    return binding;
  }
  console.log(
    `Building better-sqlite3 for Electron ${electronVersion} on ${platform}-${arch} (once)…`,
  );
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(ROOT, MODULE), join(root, MODULE), {
    recursive: true,
    filter: (source) => !source.includes(join('better-sqlite3', 'build')),
  });
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'labdrop-native',
      private: true,
      dependencies: { 'better-sqlite3': sqliteVersion },
    }),
  );
  // Tries a prebuilt module for the target first (prebuild-install, found in
  // this checkout's node_modules), then compiles against Electron's headers.
  await (rebuild ?? (await import('@electron/rebuild')).rebuild)({
    buildPath: root,
    electronVersion,
    platform,
    arch,
    onlyModules: ['better-sqlite3'],
    force: true,
  });
  writeFileSync(stamp, wanted);
  return binding;
}

/**
 * Replaces the packaged app's better-sqlite3 (the Node build electron-builder
 * copied from node_modules) with the Electron build for the package's target.
 * `build` is there for the packaging test.
 * @param {import('electron-builder').AfterPackContext} context
 * @param {(target: Target) => Promise<string>} [build]
 */
export async function installNativeModule(context, build = buildForElectron) {
  const { Arch } = await import('electron-builder');
  // A macOS universal app is merged from an x64 and an arm64 one, each of
  // which came through here with its own build.
  if (context.arch === Arch.universal) return;
  const built = await build({
    electronVersion: context.packager.info.framework.version,
    // Node's platform names ('mas', which Labdrop does not build, aside).
    platform: /** @type {NodeJS.Platform} */ (context.electronPlatformName),
    arch: Arch[context.arch],
  });
  // Over the Node build electron-builder unpacked beside app.asar (asarUnpack
  // in electron-builder.yml): the OS loads a native module from a real file.
  const unpacked = join(
    context.packager.getResourcesDir(context.appOutDir),
    'app.asar.unpacked',
    MODULE,
    BINDING,
  );
  if (!existsSync(unpacked)) {
    throw new Error(
      `${unpacked} is missing: electron-builder.yml must unpack better-sqlite3's native module (asarUnpack).`,
    );
  }
  copyFileSync(built, unpacked);
}

/** @param {import('electron-builder').AfterPackContext} context */
export const afterPack = (context) => installNativeModule(context);

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildForElectron({
    electronVersion: read('node_modules/electron/package.json').version,
    platform: process.platform,
    arch: process.arch,
  });
}
