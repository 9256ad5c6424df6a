import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// The three runtimes and what each may import: see ../shared/STYLE.md.
const nodeOnly = [{ name: 'electron', message: 'The renderer and shared/ never import electron.' }];
const nodePatterns = ['node:*', '@aws-sdk/*', 'better-sqlite3', '**/electron/**'];

/**
 * A layer of the main process: `files` may not import from the folders in
 * `above` (electron/<folder>/…), nor `electron` itself except in the files
 * `electron` names (the ipcMain binding).
 */
function layer(files, above, { electron = null, extra = [] } = {}) {
  const rule = (paths) => [
    'error',
    {
      paths,
      patterns: [
        ...above.map((folder) => ({
          group: [`**/${folder}/**`],
          message: `A lower layer never imports electron/${folder}: see docs/architecture.md.`,
        })),
        ...extra,
      ],
    },
  ];
  const noElectron = {
    name: 'electron',
    message: 'This layer runs under plain Node: take what you need as an argument.',
  };
  return [
    { files: [files], rules: { 'no-restricted-imports': rule([noElectron]) } },
    ...(electron ? [{ files: [electron], rules: { 'no-restricted-imports': rule([]) } }] : []),
  ];
}

export default tseslint.config(
  { ignores: ['out/', 'dist/', 'node_modules/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['electron/**/*.ts', 'tests/**/*.ts', '*.config.ts'],
    languageOptions: { globals: globals.node },
  },
  // The main process's layers: shared <- engine <- services <- ipc / cli <- app <- main (and os).
  // Each folder imports only from the layers below it; only Electron's own
  // shell (main, window, preload, os/ and the ipcMain binding) imports electron.
  ...layer('electron/engine/**/*.ts', ['services', 'ipc', 'cli', 'app', 'os'], {
    extra: [{ group: ['**/shared/ipc'], message: 'The engine does not know the IPC contract.' }],
  }),
  ...layer('electron/services/**/*.ts', ['ipc', 'cli', 'app', 'os']),
  ...layer('electron/cli/**/*.ts', ['ipc', 'app', 'os']),
  ...layer('electron/ipc/**/*.ts', ['cli', 'app', 'os'], { electron: 'electron/ipc/**/*.ipc.ts' }),
  ...layer('electron/app/**/*.ts', ['cli', 'os']),
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: nodeOnly, patterns: [...nodePatterns, 'react', 'react-dom'] },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { paths: nodeOnly, patterns: nodePatterns }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
