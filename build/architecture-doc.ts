// `npm run docs`: writes the lifecycle diagram in docs/architecture.md from the
// table in shared/lifecycle.ts, so the picture cannot drift from the code.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lifecycleDiagram } from '../shared/lifecycle';

export const ARCHITECTURE_DOC = fileURLToPath(new URL('../docs/architecture.md', import.meta.url));

const START = '<!-- lifecycle:start -->';
const END = '<!-- lifecycle:end -->';

/** The document with the diagram between its markers made from the table. */
export function withLifecycleDiagram(doc: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${START} … ${END} is missing`);
  const diagram = ['```mermaid', lifecycleDiagram(), '```'].join('\n');
  return `${doc.slice(0, start + START.length)}\n\n${diagram}\n\n${doc.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = await readFile(ARCHITECTURE_DOC, 'utf8');
  await writeFile(ARCHITECTURE_DOC, withLifecycleDiagram(doc));
}
