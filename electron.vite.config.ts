import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import pkg from './package.json' with { type: 'json' };

// Everything the main process runs is one build: the Electron entry, the
// command-line tool and the hashing worker share the engine modules.
export default defineConfig({
  main: {
    define: { __LABDROP_VERSION__: JSON.stringify(pkg.version) },
    // Only package.json's `dependencies` stay out of the bundle, loaded from
    // node_modules (and shipped there by electron-builder): native
    // better-sqlite3, s3rver (loaded for the demo only) and the proxy agents.
    // Everything else is a devDependency and bundled: the AWS SDK loaded from
    // node_modules is hundreds of CommonJS files to resolve and scan for
    // their exports, which took the command line 0.2 s to start (bundled,
    // 0.13 s), and the app does not ship it twice.
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve('electron/main.ts'),
          cli: resolve('electron/cli/entry.ts'),
          'hash.worker': resolve('electron/engine/hash.worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve('electron/preload.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
