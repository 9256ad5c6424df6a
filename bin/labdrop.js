#!/usr/bin/env node
// The `labdrop` command: runs the built command-line tool (see electron/cli/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('labdrop is not built yet: run `npm run build` in the Labdrop folder first.');
  process.exit(2);
}
await import(cli);
