import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `npm test` builds before it runs vitest; the worker and the CLI are tested as built. */
function built(relative: string): string {
  const path = fileURLToPath(new URL(`../../out/main/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first.`);
  return path;
}

export const HASH_WORKER = built('hash.worker.js');
export const CLI = fileURLToPath(new URL('../../bin/labdrop.js', import.meta.url));
