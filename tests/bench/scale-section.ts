// Issue 16's scale targets: a dropped folder of 100,000 small files planned
// and shown for review, the queue of 100,000 in the window, and a history of
// 1,000,000 uploads searched and exported.
//   - the main process's side runs in a process of its own (scale-main.ts),
//     so that its peak RSS is the app's;
//   - the window's side is the built renderer in Chromium with a stand-in
//     bridge (ui.ts): the plan review from scale-main's real answer, and the
//     queue at 100,000 rows;
//   - the history is a Store over a database of 1,000,000 rows.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { exportHistory } from '../../electron/engine/history-export';
import { COUNT_CAP } from '../../electron/engine/history-search';
import { Store } from '../../electron/engine/store';
import { HISTORY_PAGE_SIZE, type PlanSummary } from '../../shared/ipc';
import type { HistoryCursor, HistoryQuery, HistoryTotal } from '../../shared/types';
import { CHROMIUM } from '../helpers/chromium';
import { check, timed } from './processes';
import type { Section } from './report';
import { startEndpointProcess } from './s3-endpoint';
import type { ScaleMainFigures } from './scale-main';
import { median, type Figure } from './stats';
import { ALL_ROWS_BOUND, measurePage, REPLACE_BOUND, serve, type PageGlobals } from './ui';

export interface ScaleOptions {
  add: (figure: Figure) => Figure;
  log: (line?: string) => void;
  rendererDir: string;
}

const FILES = 100_000;
const FOLDERS = 100;
const HISTORY_ROWS = 1_000_000;
const SEARCH_RUNS = 5;
const MAIN = fileURLToPath(new URL('./scale-main.ts', import.meta.url));
const section = 'Scale';
const MB = 1e6;

/** 100 folders of 1,000 files of a few bytes each. */
async function generateFiles(root: string): Promise<void> {
  for (let d = 0; d < FOLDERS; d++) {
    const folder = join(root, `run-${String(d).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    await Promise.all(
      Array.from({ length: FILES / FOLDERS }, (_, i) =>
        writeFile(join(folder, `sample-${d * 1000 + i}.fastq`), `@read ${d}-${i}\n`),
      ),
    );
  }
}

async function mainSide(folder: string, out: string): Promise<ScaleMainFigures> {
  const endpoint = await startEndpointProcess('off', ['scale']);
  try {
    const run = check(
      'scale-main',
      await timed(process.execPath, ['--import', 'tsx', MAIN, folder, endpoint.url, 'scale', out]),
    );
    return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as ScaleMainFigures;
  } finally {
    await endpoint.stop();
  }
}

/** In the page: the bridge answering "Choose files" with the main process's real plan. */
function planBridge(summary: PlanSummary): void {
  const page = globalThis as unknown as PageGlobals;
  const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value });
  const answers: Record<string, () => Promise<unknown>> = {
    appInfo: () =>
      ok({
        version: 'bench',
        platform: 'linux',
        demo: null,
        profile: { name: 'center', fullControlIds: [], md5MetadataKey: 'content-md5' },
      }),
    listUploads: () => ok([]),
    queryHistory: () => ok({ rows: [], next: null, total: { count: 0, exact: true } }),
    openFiles: () => ok(['/data/study']),
    planUpload: () => ok(summary),
    planWarnings: () => ok(summary),
    getSettings: () =>
      ok({ settings: { partConcurrency: 8, partSizeMiB: 8, target: null }, restartNeeded: false }),
  };
  page.labdrop = new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name !== 'string') return undefined;
        if (name === 'pathForFile') return () => '';
        if (name.startsWith('on')) return () => () => undefined;
        return answers[name] ?? (() => ok(/^list|Choices$/.test(name) ? [] : null));
      },
    },
  );
}

/** Milliseconds from "Choose files" to the review of a 100,000-file plan painted. */
async function planReviewMs(rendererDir: string, summary: PlanSummary): Promise<number> {
  const { url, server } = await serve(rendererDir);
  const browser = await chromium.launch(CHROMIUM);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await page.addInitScript(planBridge, summary);
    await page.goto(url);
    const choose = page.getByRole('button', { name: /Choose files/ }).first();
    await choose.waitFor();
    const clicked = await page.evaluate(() => performance.now());
    await choose.click();
    await page.waitForSelector('[data-testid="plan-summary"]');
    const painted = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const raf = (callback: () => void) =>
            (globalThis as unknown as PageGlobals).requestAnimationFrame(callback);
          raf(() => raf(() => resolve(performance.now())));
        }),
    );
    const shown = (await page.textContent('[data-testid="plan-summary"]')) ?? '';
    if (!shown.replaceAll(',', '').includes(String(summary.fileCount))) {
      throw new Error(`the plan review shows "${shown}", not ${summary.fileCount} files`);
    }
    return painted - clicked;
  } finally {
    await browser.close();
    server.close();
  }
}

/** A history of HISTORY_ROWS uploads, inserted in one transaction, as batches of 100 files. */
function fillHistory(store: Store): void {
  store.withDatabase((db) => {
    const insert = db.prepare(
      `INSERT INTO uploads (id, local_path, size, mtime_ms, bucket, key, region, submission_profile,
         grants, part_size, status, md5_hex, md5_base64, etag, created_at, started_at, finished_at,
         bytes_uploaded, attempts)
       VALUES (?, ?, ?, 1, ?, ?, 'us-east-1', 'center', 'id=1,id=2', 8388608, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    db.transaction(() => {
      const start = Date.UTC(2024, 0, 1);
      for (let i = 0; i < HISTORY_ROWS; i++) {
        const study = `study-${String(i % 40).padStart(2, '0')}`;
        const run = `run-${String(Math.floor(i / 1000)).padStart(4, '0')}`;
        const name = `Sample_${i}_R${(i % 2) + 1}.fastq.gz`;
        const at = start + Math.floor(i / 100) * 60_000;
        insert.run(
          `upload-${i}`,
          `/Volumes/LabData/${study}/${run}/${name}`,
          1_000_000 + i,
          `dcc-intake-${i % 3}`,
          `center/${study}/${run}/${name}`,
          i % 50 === 0 ? 'failed' : 'done',
          '9e107d9d372bb6826bd81d3542a419d6',
          'nhB9nTcrtoJr2B01QqQZ1g==',
          '"9e107d9d372bb6826bd81d3542a419d6"',
          at,
          at,
          at + 30_000,
          1_000_000 + i,
        );
      }
    })();
  });
}

/** The history rows of the section (also run alone by a throwaway script while tuning). */
export async function historyFigures(options: ScaleOptions, notes: string[]): Promise<void> {
  const { add, log } = options;
  const dir = await mkdtemp(join(tmpdir(), 'labdrop-bench-history-'));
  try {
    let started = performance.now();
    const file = join(dir, 'labdrop.db');
    let store = Store.open(file);
    fillHistory(store);
    store.close();
    const fillSeconds = (performance.now() - started) / 1000;
    const { size } = await stat(file);
    log(`  ${HISTORY_ROWS.toLocaleString('en-US')} history rows in ${fillSeconds.toFixed(1)} s`);
    store = Store.open(file);
    try {
      // What `history:query` answers the history view: a page (HISTORY_PAGE_SIZE rows), the
      // next page's cursor, and on a first page the count (exact, or "more than 10,000").
      const page = HISTORY_PAGE_SIZE;
      const rows = (n: number) => n.toLocaleString('en-US');
      const some = (n: number) =>
        `up to ${rows(COUNT_CAP)} matches: the trigram index (FTS5, migration 10) gives every match’s rowid (here ${rows(n)}), so the count; their dates pick the newest ${rows(page)}, whose rows are read and made records`;
      const many = `more than ${rows(COUNT_CAP)} matches: the trigram index counts up to ${rows(COUNT_CAP + 1)} (“more than ${rows(COUNT_CAP)} match”), then gives the ${rows(page + 1)} inserted last and the dates’ index any match it missed; ${rows(page)} rows read and made records`;
      const searches: Array<{
        label: string;
        q: HistoryQuery;
        expect: { rows: number; total: HistoryTotal | null };
        target: boolean;
        bound: string;
        /** Pages read before the one timed (a next page, from its cursor). */
        skip?: number;
        /** Store.query of 10,000 rows instead of a page. */
        whole?: boolean;
      }> = [
        {
          label: 'one file by name ("sample_123456_")',
          q: { search: 'sample_123456_' },
          expect: { rows: 1, total: { count: 1, exact: true } },
          target: true,
          bound: some(1),
        },
        {
          label: 'a run folder, 1,000 files ("RUN-0420/")',
          q: { search: 'RUN-0420/' },
          expect: { rows: page, total: { count: 1000, exact: true } },
          target: true,
          bound: `${some(1000)}; the index’s work is in the trigrams every path has (“run”, “un-”)`,
        },
        {
          label: `every file (".fastq"), the newest ${rows(page)}`,
          q: { search: '.fastq' },
          expect: { rows: page, total: { count: COUNT_CAP, exact: false } },
          target: true,
          bound: many,
        },
        {
          label: `a study, 1 in 40 ("study-07/"), the newest ${rows(page)}`,
          q: { search: 'study-07/' },
          expect: { rows: page, total: { count: COUNT_CAP, exact: false } },
          target: true,
          bound: `${many}; most of it is the count, through trigrams every path has (“stu”, “y-0”) and texts with “-07” elsewhere that detail=none cannot tell apart`,
        },
        {
          label: 'failed uploads of a study ("study-10/", status failed)',
          q: { search: 'study-10/', status: 'failed' },
          expect: { rows: page, total: { count: 5000, exact: true } },
          target: true,
          bound: `${some(5000)}; each candidate’s status is read from its upload`,
        },
        {
          label: `every file (".fastq"), rows 10,001–10,500: the 21st page, from its cursor`,
          q: { search: '.fastq' },
          expect: { rows: page, total: null },
          target: false,
          skip: 20,
          bound: `a next page (keyset, no offset): as the first page, below the cursor’s date and rowid, and no count; it reads none of the ${rows(20 * page)} rows before it`,
        },
        {
          label: `no search, the newest ${rows(page)} (reference)`,
          q: {},
          expect: { rows: page, total: { count: HISTORY_ROWS, exact: true } },
          target: false,
          bound: `walking the dates’ index newest first: ${rows(page)} rows read and made records, and SQLite counting the rows of an index (the count)`,
        },
        {
          label: 'no search, 10,000 rows at once (reference: the answer before pages)',
          q: {},
          expect: { rows: 10_000, total: null },
          target: false,
          whole: true,
          bound:
            'reading 10,000 rows of 32 columns from SQLite and making them records: the floor under any answer of 10,000 rows, search or not, which is why `history:query` answers a page',
        },
        {
          label: `two characters ("_9"), the newest ${rows(page)}`,
          q: { search: '_9' },
          expect: { rows: page, total: { count: COUNT_CAP, exact: false } },
          target: false,
          bound: `fewer than three characters: no trigram to look up, so the history is walked newest first until ${rows(page + 1)} match (every row when few do), then counted up to ${rows(COUNT_CAP + 1)} from the folded texts (history_text)`,
        },
      ];
      for (const { label, q, expect, target, bound, skip = 0, whole = false } of searches) {
        let after: HistoryCursor | null = null;
        for (let i = 0; i < skip; i++) {
          after = store.historyPage({ ...q, limit: page, ...(after ? { after } : {}) }).next;
        }
        const ask = () =>
          whole
            ? { rows: store.query({ ...q, limit: 10_000 }), total: null }
            : store.historyPage({ ...q, limit: page, ...(after ? { after } : {}) });
        const samples: number[] = [];
        let answer: { rows: unknown[]; total: HistoryTotal | null } = { rows: [], total: null };
        for (let i = 0; i < SEARCH_RUNS; i++) {
          started = performance.now();
          answer = ask();
          samples.push(performance.now() - started);
        }
        const got = { rows: answer.rows.length, total: answer.total };
        if (JSON.stringify(got) !== JSON.stringify(expect)) {
          throw new Error(
            `history search ${label}: ${JSON.stringify(got)}, expected ${JSON.stringify(expect)}`,
          );
        }
        add({
          section,
          name: `History search of ${HISTORY_ROWS.toLocaleString('en-US')} uploads: ${label}`,
          unit: 'ms',
          samples,
          ...(target ? { target: { op: '<=' as const, value: 200, text: '≤ 200 ms' } } : {}),
          bound,
        });
      }
      // The export: every row, streamed; RSS sampled meanwhile.
      const csv = join(dir, 'history.csv');
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 50);
      started = performance.now();
      let written: number;
      try {
        written = await exportHistory(csv, 'csv', store.historyPages());
      } finally {
        clearInterval(sampler);
      }
      const exportSeconds = (performance.now() - started) / 1000;
      let lines = 0;
      let last = '';
      for await (const line of createInterface({ input: createReadStream(csv) })) {
        lines++;
        last = line;
      }
      if (written !== HISTORY_ROWS || lines !== HISTORY_ROWS + 1 || !last.startsWith('upload-0,')) {
        throw new Error(
          `history export: ${written} rows, ${lines} lines, last "${last.slice(0, 40)}"`,
        );
      }
      add({
        section,
        name: `History export to CSV, ${HISTORY_ROWS.toLocaleString('en-US')} rows`,
        unit: 's',
        samples: [exportSeconds],
        bound:
          'reading 1,000 rows a page by the dates’ index, formatting them, and writing with the file’s back-pressure',
      });
      add({
        section,
        name: 'RSS growth of the exporting process during that export',
        unit: 'MB',
        samples: [(peak - before) / MB],
        bound: 'one page of rows and the write stream’s buffer; nothing grows with the history',
      });
      notes.push(
        `History: ${HISTORY_ROWS.toLocaleString('en-US')} uploads (40 studies, 1,000 runs, 100 files a minute, one in 50 failed) inserted in one transaction in ${fillSeconds.toFixed(1)} s; the database is ${(size / MB).toFixed(0)} MB with the trigram index. Each search is ${SEARCH_RUNS} runs of Store.historyPage for the history view’s page of ${HISTORY_PAGE_SIZE} rows: what \`history:query\` answers, the rows, the next page’s cursor and on a first page the count of matches (exact up to ${COUNT_CAP.toLocaleString('en-US')}, else “more than”); the view asks for the next page from that cursor as the list scrolls near its end. The CSV export wrote ${lines.toLocaleString('en-US')} lines (${written.toLocaleString('en-US')} rows and the header; the oldest upload last) in ${exportSeconds.toFixed(1)} s.`,
      );
    } finally {
      store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function scaleSection(options: ScaleOptions): Promise<Section> {
  const { add, log } = options;
  log('\n## Scale');
  const notes: string[] = [];
  const base = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'labdrop-bench-scale-'));
  try {
    const folder = join(base, 'study');
    const started = performance.now();
    await generateFiles(folder);
    const generated = (performance.now() - started) / 1000;
    log(`  ${FILES.toLocaleString('en-US')} files generated in ${generated.toFixed(1)} s`);
    const main = await mainSide(folder, base);
    const summary = JSON.parse(await readFile(join(base, 'plan.json'), 'utf8')) as PlanSummary;
    add({
      section,
      name: `Drop of ${FILES.toLocaleString('en-US')} small files: planned and reviewed against the bucket (main process)`,
      unit: 's',
      samples: [(main.planMs + main.reviewMs) / 1000],
      target: { op: '<=', value: 5, text: '≤ 5 s' },
      bound: `the walk (one readdir per folder), then a stat and an access check per file, 32 at once on libuv’s 4 threads (plan: ${(main.planMs / 1000).toFixed(2)} s); the review lists the bucket’s folder once (ListObjectsV2, 1,000 keys a page) and looks up each file’s recorded MD5 by its path (review: ${(main.reviewMs / 1000).toFixed(2)} s)`,
    });
    add({
      section,
      name: 'Peak RSS of the main process, planned and reviewed',
      unit: 'MB',
      samples: [main.peakAfterReviewMb],
      target: { op: '<=', value: 500, text: '≤ 500 MB' },
      bound:
        'the plan itself (a path, key, size and date per file) and the process: engine, AWS SDK, SQLite, V8 heap; IPC carries a summary (500 files, 100 warnings, counts)',
    });
    add({
      section,
      name: `All ${FILES.toLocaleString('en-US')} added to the queue (uploads:add), main process`,
      unit: 's',
      samples: [main.addMs / 1000],
      bound: `a row per file, 2,000 to a write: the uploads table, its indexes and the history's trigram index (SQLite FTS5, most of the time in a CPU profile: about 80 µs of a row's 100 µs at 20,000 rows, more as the index grows); then a job only for each upload that runs (at most the files sent at once and twice those hashed at once), the rest waiting their turn as rows; the longest the main process did not answer meanwhile: ${main.addStallMs.toFixed(0)} ms`,
    });
    add({
      section,
      name: `Pause all with the ${FILES.toLocaleString('en-US')}-file queue running`,
      unit: 'ms',
      samples: [main.pauseAllMs],
      bound: `one write moving the ${main.paused.toLocaleString('en-US')} uploads waiting their turn to paused, each announced and logged, and the few running stopped (${main.doneWhileRunning} finished in the ${(main.runningMs / 1000).toFixed(0)} s before)`,
    });
    add({
      section,
      name: 'Peak RSS of the main process, all added, uploading and paused',
      unit: 'MB',
      samples: [main.peakMb],
      bound:
        'the plan and its review, and every upload’s record several times over while the add answers: the records it made, the rows it answers the window with, and the session’s list read back for the window (`uploads:changed`); then only the jobs of those running',
    });
    const reviewMs = await planReviewMs(options.rendererDir, summary);
    add({
      section,
      name: `"Choose files" to the review of ${FILES.toLocaleString('en-US')} files painted (Chromium)`,
      unit: 'ms',
      samples: [reviewMs],
      bound: `the summary main sends (${(main.planBytes / 1000).toFixed(0)} kB of JSON: counts, the first 500 files and 100 warnings), one render`,
    });
    notes.push(
      `Main process (scale-main.ts, the app’s composition root under Node, in a process of its own): ${FILES.toLocaleString('en-US')} files of a few bytes in ${FOLDERS} folders (generated in ${generated.toFixed(1)} s), \`uploads:plan\` ${(main.planMs / 1000).toFixed(2)} s, \`uploads:review\` against the bench endpoint ${(main.reviewMs / 1000).toFixed(2)} s (${main.newFiles.toLocaleString('en-US')} new), answers of ${(main.planBytes / 1000).toFixed(0)} kB and ${main.reviewBytes} bytes.`,
    );
    const queue = await measurePage(options.rendererDir, FILES);
    add({
      section,
      name: `Replace the ${FILES.toLocaleString('en-US')}-file queue, to next paint`,
      unit: 'ms',
      samples: [queue.replaceMs],
      target: { op: '<=', value: 50, text: '≤ 50 ms a frame' },
      bound: REPLACE_BOUND,
    });
    add({
      section,
      name: `Longest frame while 10 batches/s update the ${FILES.toLocaleString('en-US')}-file queue (5 s)`,
      unit: 'ms',
      samples: [Math.max(...queue.frames)],
      target: { op: '<=', value: 50, text: '≤ 50 ms a frame' },
      bound: `applying a batch of ~11 rows (one set) and re-rendering the changed visible rows; median frame ${median(queue.frames).toFixed(1)} ms over ${queue.frames.length} frames`,
    });
    add({
      section,
      name: `One batch changing all ${FILES.toLocaleString('en-US')} rows, to next paint`,
      unit: 'ms',
      samples: [queue.allRowsBatchMs],
      target: { op: '<=', value: 50, text: '≤ 50 ms a frame' },
      bound: ALL_ROWS_BOUND,
    });
    notes.push(
      `Window (ui.ts’s stand-in bridge, ${FILES.toLocaleString('en-US')} rows): loaded to rows painted in ${queue.firstRowsMs.toFixed(0)} ms; ${queue.domRows} row elements in the DOM; long tasks while updating: ${queue.longTasks.length ? queue.longTasks.map((d) => d.toFixed(0)).join(', ') + ' ms' : 'none'}.`,
    );
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  await historyFigures(options, notes);
  for (const note of notes) log(`  ${note}`);
  return { title: 'Scale', text: notes };
}
