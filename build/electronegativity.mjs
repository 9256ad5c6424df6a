#!/usr/bin/env node
// Doyensec's Electronegativity over the main process and preload (electron/).
// Fails on every finding above LOW that build/electronegativity-allow.json
// does not explain, and on every explanation nothing needs any more.
// `npm test` runs it; `npm run security` runs it alone.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import run from '@doyensec/electronegativity';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALLOW_FILE = 'build/electronegativity-allow.json';
/** Electronegativity's severities: INFORMATIONAL 0, LOW 1, MEDIUM 2, HIGH 3. */
const LOW = 1;

/** @param {string} file */
const read = (file) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

/**
 * @typedef {{ id: string, file: string, reason: string }} Allowance
 * @typedef {import('@doyensec/electronegativity').Finding} Finding
 */

/** @type {Allowance[]} */
const allowed = read(ALLOW_FILE);
const missingReason = allowed.filter((a) => !a.id || !a.file || !a.reason?.trim());
if (missingReason.length > 0) {
  console.error(`${ALLOW_FILE}: every entry needs an id, a file and a reason.`);
  process.exit(1);
}

const result = await run({
  input: join(ROOT, 'electron'),
  isRelative: true,
  // What the CLI's -e sets: the version its checks assume. Without it,
  // Electronegativity looks for one in a package.json under electron/.
  electronVersionOverride: read('node_modules/electron/package.json').version,
  // It compares a package.json's Electron version with release notes it
  // downloads. There is no package.json under electron/, so it would only
  // wait on the download (none offline).
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
});

/** @param {Allowance} allowance @param {Finding} finding */
const explains = (allowance, finding) =>
  allowance.id === finding.id && allowance.file === finding.file.replaceAll('\\', '/');

const findings = result.issues.filter((issue) => issue.severity.value > LOW);
const unexplained = findings.filter((f) => !allowed.some((a) => explains(a, f)));
const stale = allowed.filter((a) => !findings.some((f) => explains(a, f)));

const problems = [
  ...result.errors
    .filter((e) => !e.tolerable)
    .map(
      (e) => `${relative(ROOT, e.file)} could not be parsed, so it was not checked: ${e.message}`,
    ),
  ...unexplained.map(
    (f) =>
      `${f.severity.name} ${f.id} at electron/${f.file}:${f.location.line}:${f.location.column}: ${f.description} (${f.shortenedURL})`,
  ),
  ...stale.map(
    (a) =>
      `${ALLOW_FILE} explains ${a.id} in electron/${a.file}, which is no longer reported: remove it`,
  ),
];
if (problems.length > 0) {
  console.error(
    [
      `Electronegativity: ${problems.length} problem(s) in electron/.`,
      ...problems.map((p) => `  - ${p}`),
      `Fix each finding, or explain in ${ALLOW_FILE} (id, file, reason) why it does not apply.`,
    ].join('\n'),
  );
  process.exit(1);
}
console.log(
  `Electronegativity: no unexplained finding above LOW in electron/ (${findings.length} explained in ${ALLOW_FILE}).`,
);
