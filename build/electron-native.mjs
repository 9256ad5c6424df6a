#!/usr/bin/env node
// `npm start` runs the app in Electron, whose Node ABI differs from the Node
// that runs the command line and the tests. Both use better-sqlite3, so
// node_modules keeps the Node build and this script builds a second copy for
// Electron into out/native/, which electron/main.ts loads as its
// `nativeBinding`. Packaged apps need none of this: electron-builder rebuilds
// their node_modules for Electron.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rebuild } from '@electron/rebuild';

const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
const electronVersion = read('node_modules/electron/package.json').version;
const sqliteVersion = read('node_modules/better-sqlite3/package.json').version;
const root = join('out', 'native');
const stamp = join(root, 'built-for');
const wanted = `electron ${electronVersion} better-sqlite3 ${sqliteVersion} ${process.platform}-${process.arch}`;
const binding = join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');

if (existsSync(binding) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}
console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)…`);
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
cpSync('node_modules/better-sqlite3', join(root, 'node_modules/better-sqlite3'), {
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
await rebuild({ buildPath: root, electronVersion, onlyModules: ['better-sqlite3'], force: true });
writeFileSync(stamp, wanted);
