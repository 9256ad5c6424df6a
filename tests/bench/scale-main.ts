// The main process's side of a 100,000-file drop, in a process of its own so
// that its peak RSS is the app's: the composition root the app is built
// with (createAppCore), the plan (uploads:plan), the bucket review
// (uploads:review) against the bench endpoint, adding every file to the
// queue (uploads:add), a few seconds of uploading, and pause all.
// Prints one JSON line, and writes the two answers the window got to
// OUT/plan.json and OUT/review.json. Run by scale-section.ts:
//   tsx tests/bench/scale-main.ts FOLDER ENDPOINT BUCKET OUT
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createAppCore } from '../../electron/app/core';
import type { IpcResult } from '../../shared/ipc';
import { HASH_WORKER } from '../helpers/build';

export interface ScaleMainFigures {
  files: number;
  planMs: number;
  reviewMs: number;
  /** The answers' sizes as JSON: what IPC would copy to the window. */
  planBytes: number;
  reviewBytes: number;
  newFiles: number;
  /** VmHWM: the most resident memory the process had. */
  peakAfterReviewMb: number;
  /** `uploads:add` of every file: recorded, queued and the first ones started. */
  addMs: number;
  /** The longest the event loop did not turn while adding: the app's main process not answering. */
  addStallMs: number;
  peakAfterAddMb: number;
  /** Uploads done in the seconds the queue then ran. */
  doneWhileRunning: number;
  runningMs: number;
  /** `uploads:pauseAll` with the queue running. */
  pauseAllMs: number;
  paused: number;
  peakMb: number;
}

async function peakRssMb(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function value<T>(answer: IpcResult<T>): T {
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.value;
}

async function main(): Promise<void> {
  const [folder, endpoint, bucket, out] = process.argv.slice(2);
  if (!folder || !endpoint || !bucket || !out) {
    throw new Error('usage: scale-main.ts FOLDER ENDPOINT BUCKET OUT');
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'labdrop-bench-scale-'));
  const core = await createAppCore({
    dataDir,
    secrets: null,
    version: 'bench',
    hashWorker: HASH_WORKER,
    openPaths: async () => [],
    openJsonFile: async () => null,
    openFolder: async () => '',
    copyText: () => undefined,
    savePath: async () => null,
    broadcast: () => undefined,
  });
  try {
    core.chosen.allow([folder]);
    const target = { bucket, endpoint, region: 'us-east-1', awsProfile: null };
    let started = performance.now();
    const plan = value(
      await core.handlers['uploads:plan']({ paths: [folder], prefix: 'center/scale' }),
    );
    const planMs = performance.now() - started;
    started = performance.now();
    const review = value(await core.handlers['uploads:review']({ planId: plan.planId, target }));
    const reviewMs = performance.now() - started;
    const peakAfterReviewMb = await peakRssMb();
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    started = performance.now();
    const added = value(
      await core.handlers['uploads:add']({ planId: plan.planId, target, acceptWarnings: false }),
    );
    const addMs = performance.now() - started;
    stalls.disable();
    const peakAfterAddMb = await peakRssMb();
    const runningMs = 3_000;
    await new Promise((resolve) => setTimeout(resolve, runningMs));
    started = performance.now();
    value(await core.handlers['uploads:pauseAll'](undefined));
    const pauseAllMs = performance.now() - started;
    const statuses = value(await core.handlers['uploads:list'](undefined)).map(
      (item) => item.status,
    );
    await writeFile(join(out, 'plan.json'), JSON.stringify(plan));
    await writeFile(join(out, 'review.json'), JSON.stringify(review));
    const figures: ScaleMainFigures = {
      files: plan.fileCount,
      planMs,
      reviewMs,
      planBytes: JSON.stringify(plan).length,
      reviewBytes: JSON.stringify(review).length,
      newFiles: review.new.count,
      peakAfterReviewMb,
      addMs,
      addStallMs: stalls.max / 1e6,
      peakAfterAddMb,
      doneWhileRunning: statuses.filter((status) => status === 'done').length,
      runningMs,
      pauseAllMs,
      paused: statuses.filter((status) => status === 'paused').length,
      peakMb: await peakRssMb(),
    };
    if (added.length !== plan.fileCount)
      throw new Error(`${added.length} of ${plan.fileCount} added`);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await core.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
