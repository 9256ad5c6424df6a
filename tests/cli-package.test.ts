// The command line as a server installs it (README, "The command line on a
// server"): `npm pack`, then `npm install -g` of the tarball into a prefix of
// its own, which fetches the package's dependencies from the registry (from
// npm's cache when it has them). The
// installed `labdrop` then runs from a folder outside the checkout, with no
// NODE_PATH and the checkout off PATH, so nothing of the checkout's
// node_modules can stand in for what the package lacks.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_WORKER } from './helpers/build';
import { cliEnv, type Run } from './helpers/cli';
import { createBucket, startMoto, type Moto } from './helpers/moto';
import { expectObjectMatches, writeTestFile } from './helpers/objects';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface PackageJson {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

let dir: string;
let pkg: PackageJson;
/** What `npm pack --json` says it put in the tarball. */
let packed: string[];
/** The installed package: <prefix>/lib/node_modules/labdrop. */
let installed: string;
/** The installed command: <prefix>/bin/labdrop. */
let labdrop: string;
let moto: Moto;

/** What the bundler writes: `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`. */
const IMPORTS =
  /^(?:import|export)\b[^;\n]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\("([^"]+)"\)/gm;

/** The environment of a shell outside any npm script (npm exports npm_* to its scripts). */
function shellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('npm_') && name !== 'NODE_PATH') env[name] = value;
  }
  return env;
}

function spawned(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function npm(args: string[], cwd: string): Promise<string> {
  const run = await spawned('npm', args, { cwd, env: shellEnv() });
  if (run.code !== 0) throw new Error(`npm ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return run.stdout;
}

/** Runs the installed `labdrop` from a folder of its own, as a user on the server would. */
async function runLabdrop(args: string[]): Promise<Run> {
  const cwd = await mkdtemp(join(dir, 'cwd-'));
  // This Node first (bin/labdrop.js starts with `#!/usr/bin/env node`), the checkout nowhere.
  const path = [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)]
    .filter((entry) => entry && !entry.startsWith(ROOT))
    .join(delimiter);
  return spawned(labdrop, args, { cwd, env: cliEnv(cwd, join(dir, 'home'), { PATH: path }) });
}

/** Every package under a node_modules folder, nested ones included. */
async function packagesIn(nodeModules: string): Promise<string[]> {
  if (!existsSync(nodeModules)) return [];
  const names: string[] = [];
  for (const entry of await readdir(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@') ? await readdir(join(nodeModules, entry)) : [null];
    for (const inner of scoped) {
      const name = inner ? `${entry}/${inner}` : entry;
      names.push(name, ...(await packagesIn(join(nodeModules, name, 'node_modules'))));
    }
  }
  return names;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-cli-package-'));
  pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  // `npm test` has built out/ already; prepack would build it again while
  // other test files run the CLI from it.
  const [result] = JSON.parse(
    await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = result!.files.map((f) => f.path);
  // --prefer-offline: CI ran `npm ci`, so npm's cache has every dependency.
  // --ignore-scripts: better-sqlite3's own install step fetches its prebuilt
  // module from GitHub, which these machines cannot reach, and then compiles
  // it (minutes on two busy cores). That step is better-sqlite3's, not the
  // package's: the checkout's build of it, for this same Node, is put where
  // that step would put its own.
  await npm(
    [
      'install',
      '--global',
      '--prefix',
      join(dir, 'prefix'),
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      join(dir, result!.filename),
    ],
    dir,
  );
  const native = 'better-sqlite3/build/Release/better_sqlite3.node';
  const target = join(dir, 'prefix/lib/node_modules/labdrop/node_modules', native);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(join(ROOT, 'node_modules', native), target);
  installed = join(dir, 'prefix/lib/node_modules/labdrop');
  labdrop = join(dir, 'prefix/bin/labdrop');
  moto = await startMoto();
  await createBucket(moto.endpoint, 'server');
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package of the command line', () => {
  it('holds the command and the built main-process code, without source maps', async () => {
    for (const file of [
      'bin/labdrop.js',
      'out/main/cli.js',
      'out/main/hash.worker.js',
      'LICENSE',
    ]) {
      expect(packed).toContain(file);
    }
    expect(
      packed.filter((f) => !/^(bin|out\/main)\/|^(package\.json|README\.md|LICENSE)$/.test(f)),
    ).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.map'))).toEqual([]);
    // The worker is found next to the installed bundle (hash-pool.ts).
    const worker = await readFile(join(installed, 'out/main/hash.worker.js'));
    expect(worker.equals(await readFile(HASH_WORKER))).toBe(true);
  });

  it('installs its dependencies and none of the build’s: no Electron, React or bundler', async () => {
    const names = await packagesIn(join(installed, 'node_modules'));
    for (const dependency of Object.keys(pkg.dependencies)) expect(names).toContain(dependency);
    expect(names.filter((name) => name in pkg.devDependencies)).toEqual([]);
  });

  it('imports only Node’s modules and its dependencies at run time', async () => {
    const imported = new Set<string>();
    const files = (await readdir(join(installed, 'out/main'), { recursive: true })).filter(
      // main.js is the desktop app's entry: npm packs a package's `main` whatever `files` says.
      (file) => file.endsWith('.js') && file !== 'main.js',
    );
    expect(files).toContain('cli.js');
    for (const file of files) {
      const code = await readFile(join(installed, 'out/main', file), 'utf8');
      for (const m of code.matchAll(IMPORTS)) imported.add((m[1] ?? m[2] ?? m[3]) as string);
    }
    const bare = [...imported].filter((s) => !s.startsWith('.'));
    expect(bare).toContain('better-sqlite3');
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    // A package's own path (electron-log/node) is that package.
    const packageOf = (s: string) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/');
    expect(bare.filter((s) => !builtins.has(s) && !(packageOf(s) in pkg.dependencies))).toEqual([]);
  });

  it('runs `labdrop demo` from the installed package alone', async () => {
    const version = await runLabdrop(['--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
    const run = await runLabdrop(['demo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 of 3 files uploaded and verified');
    expect(run.stdout).toMatch(/content-md5=[A-Za-z0-9+/]{22}==/);
  });

  it('uploads with the grants and content-md5, and keeps the history', async () => {
    const path = await writeTestFile(dir, 'data/run-1.fastq', 20 * 1024 * 1024 + 3, 11);
    const args = ['--bucket', 'server', '--prefix', 'center', '--endpoint', moto.endpoint];
    const run = await runLabdrop(['upload', path, ...args, '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expectObjectMatches(moto.endpoint, 'server', 'center/run-1.fastq', path);
    const history = await runLabdrop(['history', '--json']);
    const md5 = createHash('md5')
      .update(await readFile(path))
      .digest('hex');
    expect(JSON.parse(history.stdout)).toMatchObject([
      { key: 'center/run-1.fastq', status: 'done', local_path: path, md5_hex: md5 },
    ]);
  });
});
