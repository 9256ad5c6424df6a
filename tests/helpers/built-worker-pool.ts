import type * as HashPoolModule from '../../electron/engine/hash-pool';
import { HASH_WORKER } from './build';

/**
 * For tests that import electron/main.ts from the source tree, where the pool
 * cannot find the built worker next to itself: the same module, with a pool
 * that uses the built worker. Use inside `vi.mock('../electron/engine/hash-pool', …)`.
 */
export function withBuiltWorker(original: typeof HashPoolModule): typeof HashPoolModule {
  class BuiltWorkerPool extends original.HashPool {
    constructor(options: ConstructorParameters<typeof original.HashPool>[0] = {}) {
      super({ ...options, threads: 2, workerFile: HASH_WORKER });
    }
  }
  return { ...original, HashPool: BuiltWorkerPool };
}
