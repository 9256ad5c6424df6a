import { readFile } from 'node:fs/promises';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_DOC, withLifecycleDiagram } from '../build/architecture-doc';

/** The rules ESLint reports for `code` placed at `file` (the file need not exist). */
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint().lintText(code, { filePath: file });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('the layers of the main process', () => {
  it('refuse an import from a layer above, and electron outside its shell', async () => {
    const cases: Array<[string, string]> = [
      ['electron/engine/x.ts', "import { createHandlers } from '../ipc/handlers';"],
      ['electron/engine/x.ts', "import { MAX_PART_CONCURRENCY } from '../../shared/ipc';"],
      ['electron/engine/x.ts', "import { app } from 'electron';"],
      ['electron/services/x.ts', "import { out } from '../cli/io';"],
      ['electron/cli/commands/x.ts', "import { createAppCore } from '../../app/core';"],
      ['electron/ipc/x.ts', "import { ipcMain } from 'electron';"],
      ['electron/app/x.ts', "import { quitFlow } from '../os/quit';"],
    ];
    for (const [file, code] of cases) {
      expect(await restricted(file, `${code}\nexport {};\n`), `${file}: ${code}`).toHaveLength(1);
    }
  });

  it('let each layer import those below it', async () => {
    const cases: Array<[string, string]> = [
      ['electron/services/x.ts', "import { Store } from '../engine/store';"],
      ['electron/cli/commands/x.ts', "import { createServices } from '../../engine/services';"],
      ['electron/ipc/channels.ipc.ts', "import { ipcMain } from 'electron';"],
      ['electron/app/x.ts', "import { createHandlers } from '../ipc/handlers';"],
    ];
    for (const [file, code] of cases) {
      expect(await restricted(file, `${code}\nexport {};\n`), `${file}: ${code}`).toEqual([]);
    }
  });
});

describe('docs/architecture.md', () => {
  it('shows the lifecycle as the table has it (npm run docs writes it)', async () => {
    const doc = await readFile(ARCHITECTURE_DOC, 'utf8');
    expect(withLifecycleDiagram(doc)).toBe(doc);
  });
});
