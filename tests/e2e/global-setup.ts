import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.endsWith('.test.ts')) continue; // unit tests are not in the build
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The specs drive the built app: refuse a missing or stale build rather than test old code. */
export default function globalSetup(): void {
  const built = join(ROOT, 'out/renderer/index.html');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    throw new Error(`${built} is missing: run \`npm run build\` before \`npm run test:e2e\`.`);
  }
  const sources = Math.max(newest(join(ROOT, 'renderer')), newest(join(ROOT, 'shared')));
  if (sources > builtAt) {
    throw new Error(
      'The renderer changed since the last build: run `npm run build` before `npm run test:e2e`.',
    );
  }
}
