// build/electron-native.mjs: the Electron build of better-sqlite3 that
// `npm start` loads and `npm run dist` ships. @electron/rebuild cannot fetch
// Electron's headers or a prebuilt module here, so a stand-in takes its
// place; what is checked is what the script asks of it and what it keeps.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { rebuild as realRebuild, RebuildOptions } from '@electron/rebuild';
import { afterAll, describe, expect, it } from 'vitest';
import { buildForElectron } from '../build/electron-native.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// An arch no machine has, so a real build for this one is left alone.
const target = { electronVersion: '45.5.0', platform: 'linux' as const, arch: 'test-arch' };
const built = join(ROOT, 'out/native/linux-test-arch');

afterAll(() => rm(built, { recursive: true, force: true }));

/** Records each call; builds a module whose bytes name the Electron version. */
function standIn(fail?: Error) {
  const calls: RebuildOptions[] = [];
  const rebuild: typeof realRebuild = (options) => {
    calls.push(options);
    const work = (async () => {
      const sources = await readdir(join(options.buildPath, 'node_modules/better-sqlite3'));
      if (!sources.includes('binding.gyp') || sources.includes('build')) {
        throw new Error(`not a clean copy of better-sqlite3's sources: ${sources.join(', ')}`);
      }
      if (fail) throw fail;
      const binding = join(
        options.buildPath,
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      );
      await mkdir(dirname(binding), { recursive: true });
      await writeFile(binding, `built for electron ${options.electronVersion}`);
    })();
    return Object.assign(work, { lifecycle: new EventEmitter() });
  };
  return { calls, rebuild };
}

describe('the Electron build of better-sqlite3', () => {
  it('is built once per Electron version, from a copy of the sources, at an absolute path', async () => {
    const { calls, rebuild } = standIn();
    const binding = await buildForElectron(target, rebuild);
    expect(await readFile(binding, 'utf8')).toBe('built for electron 45.5.0');
    expect(calls).toHaveLength(1);
    // What @electron/rebuild refuses otherwise, whatever the working directory.
    expect(isAbsolute(calls[0]!.buildPath)).toBe(true);
    expect(calls[0]).toMatchObject({
      electronVersion: '45.5.0',
      platform: 'linux',
      arch: 'test-arch',
      onlyModules: ['better-sqlite3'],
    });
    // Beside the checkout's Node build, not over it.
    expect(binding).toBe(
      join(built, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    );

    expect(await buildForElectron(target, rebuild)).toBe(binding);
    expect(calls).toHaveLength(1);

    await buildForElectron({ ...target, electronVersion: '46.0.0' }, rebuild);
    expect(calls).toHaveLength(2);
    expect(await readFile(binding, 'utf8')).toBe('built for electron 46.0.0');
  });

  it('is built again after a build that failed', async () => {
    const failing = standIn(new Error('getaddrinfo ENOTFOUND github.com'));
    await expect(
      buildForElectron({ ...target, electronVersion: '47.0.0' }, failing.rebuild),
    ).rejects.toThrow('ENOTFOUND');
    expect(existsSync(join(built, 'built-for'))).toBe(false);

    const { calls, rebuild } = standIn();
    const binding = await buildForElectron({ ...target, electronVersion: '47.0.0' }, rebuild);
    expect(calls).toHaveLength(1);
    expect(await readFile(binding, 'utf8')).toBe('built for electron 47.0.0');
  });
});
