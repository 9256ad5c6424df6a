import type { Browser, Page } from '@playwright/test';
import type { BucketReviewSummary, PlanSummary, SettingsView } from '../../shared/ipc';
import type { UploadProgress, UploadRecord } from '../../shared/types';
import { UPLOAD_STATUSES, type UploadStatus } from '../../shared/lifecycle';
import { expect, openRenderer } from './fixtures';

/**
 * The built renderer with a stand-in for main at the bridge that answers with
 * fixed data: the same names, sizes, speeds and times on every run, so views
 * can be compared with committed screenshots, and every status is on screen.
 */
export interface StandInData {
  uploads: UploadProgress[];
  history: UploadRecord[];
  settings: SettingsView;
  /** What "Choose folder" plans, and what the bucket review then finds. */
  plan: PlanSummary;
  review: BucketReviewSummary;
}

/** The settings main answers with: the last target was `prefix` in lab-bucket. */
export function settingsView(prefix: string, awsProfile = 'lab-a'): SettingsView {
  return {
    settings: {
      partConcurrency: 8,
      partSizeMiB: 8,
      maxRate: null,
      target: { bucket: 'lab-bucket', prefix, endpoint: '', region: 'us-east-1', awsProfile },
    },
    restartNeeded: false,
  };
}

/** 2026-03-02 09:30:00 UTC: every time shown is relative to this. */
export const FIXED_TIME = Date.UTC(2026, 2, 2, 9, 30, 0);

const NAMES = ['reads', 'sample', 'lane', 'run', 'scan'];

function name(i: number): string {
  return `${NAMES[i % NAMES.length]}-${String(i).padStart(3, '0')}.fastq.gz`;
}

function sizeOf(i: number): number {
  return ((i * 37) % 97) * 3_145_728 + 524_288;
}

/** One upload in each status first (in the lifecycle's order), then `extra` queued ones. */
export function uploadsInEveryStatus(extra = 0): UploadProgress[] {
  const statuses: UploadStatus[] = [
    ...UPLOAD_STATUSES,
    ...Array.from({ length: extra }, () => 'queued' as const),
  ];
  return statuses.map((status, i) => {
    const size = sizeOf(i);
    const part = status === 'uploading' ? 0.42 : status === 'paused' ? 0.3 : 0;
    return {
      id: `u${i}`,
      localPath: `/data/run-7/${name(i)}`,
      bucket: 'lab-bucket',
      key: `study-1/run-7/${name(i)}`,
      size,
      status,
      hashedBytes: status === 'hashing' ? Math.floor(size * 0.6) : status === 'queued' ? 0 : size,
      uploadedBytes: status === 'done' || status === 'verifying' ? size : Math.floor(size * part),
      speed: status === 'uploading' ? 24_117_248 : status === 'hashing' ? 180_000_000 : 0,
      heldTo: null,
      error:
        status === 'failed'
          ? {
              code: 'AccessDenied',
              message: `Access denied writing "study-1/run-7/${name(i)}" to bucket "lab-bucket". Check that your credentials may upload there with full-control grants.`,
            }
          : null,
      skipped: status === 'skipped' ? 'identical' : null,
    };
  });
}

/** History rows, newest first, finished a minute apart before FIXED_TIME. */
export function historyRows(count: number): UploadRecord[] {
  const statuses: UploadStatus[] = ['done', 'done', 'failed', 'done', 'cancelled', 'done'];
  return Array.from({ length: count }, (_, i) => {
    const status = statuses[i % statuses.length] as UploadStatus;
    const size = sizeOf(i + 3);
    const finishedAt = FIXED_TIME - i * 60_000;
    return {
      id: `h${i}`,
      localPath: `/data/run-6/${name(i)}`,
      size,
      mtimeMs: FIXED_TIME - 86_400_000,
      bucket: 'lab-bucket',
      key: `study-1/run-6/${name(i)}`,
      endpoint: null,
      region: 'us-east-1',
      awsProfile: 'lab-a',
      submissionProfile: 'center',
      synapseId: null,
      grants: 'id=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
      partSize: 8_388_608,
      uploadId: null,
      partChecksum: 'crc32',
      md5Hex: status === 'done' ? '9e107d9d372bb6826bd81d3542a419d6' : null,
      md5Base64: status === 'done' ? 'nhB9nTcrtoJr2B01QqQZ1g==' : null,
      crc32Base64: null,
      status,
      requested: null,
      etag: status === 'done' ? '"9e107d9d372bb6826bd81d3542a419d6-3"' : null,
      versionId: null,
      verification: null,
      serverCheck: null,
      bytesUploaded: status === 'done' ? size : 0,
      attempts: 1,
      lastError:
        status === 'failed'
          ? { code: 'NoSuchBucket', message: 'The bucket "lab-bucket" does not exist here.' }
          : null,
      createdAt: finishedAt - 90_000,
      startedAt: finishedAt - 60_000,
      finishedAt,
    } as UploadRecord;
  });
}

/** A dropped run-8 folder of `count` files: at study-1/run-7, as the settings' last target. */
export function plannedRun(count = 12): PlanSummary {
  const files = Array.from({ length: count }, (_, i) => ({
    localPath: `/data/run-8/${name(i)}`,
    key: `study-1/run-7/run-8/${name(i)}`,
    size: sizeOf(i),
  }));
  return {
    planId: 'plan-1',
    prefix: 'study-1/run-7',
    fileCount: count,
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
    files,
    problems: [],
    warnings: [],
    warningCount: 0,
    warningsFor: null,
    synapseNames: 0,
  };
}

/**
 * The bucket review of plannedRun(12): 4 new, 4 already in the bucket, 3
 * different (one by size, one by content-md5, one not comparable), 1 already
 * in the queue.
 */
export function reviewedRun(plan = plannedRun(12)): BucketReviewSummary {
  const group = (from: number, to: number) => {
    const files = plan.files.slice(from, to);
    return { count: files.length, bytes: files.reduce((sum, f) => sum + f.size, 0) };
  };
  const evidence = [
    `its size is 1048576 bytes, the file's ${plan.files[8]?.size}`,
    'its content-md5 differs',
    'these credentials may not read its content-md5 to compare',
  ];
  return {
    planId: plan.planId,
    new: group(0, 4),
    identical: group(4, 8),
    different: group(8, 11),
    queued: group(11, 12),
    bytesToSend: group(0, 4).bytes,
    note: null,
    differentFiles: plan.files.slice(8, 11).map((file, i) => ({
      localPath: file.localPath,
      key: file.key,
      size: file.size,
      objectSize: i === 0 ? 1_048_576 : file.size,
      objectModified: FIXED_TIME - (i + 1) * 86_400_000,
      evidence: evidence[i] as string,
    })),
  };
}

export interface StandIn {
  page: Page;
  /** Main sends a progress batch. */
  emit(items: UploadProgress[]): Promise<void>;
  /** What the window asked main for, by method name. */
  asked(): Promise<string[]>;
}

/** A new page with the stand-in, at `viewport`, in UTC so times are the same everywhere. */
export async function openStandIn(
  browser: Browser,
  data: Partial<StandInData> = {},
  viewport = { width: 1280, height: 800 },
): Promise<StandIn> {
  // A context of its own (axe needs one): close it with page.context().close().
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const full: StandInData = {
    uploads: data.uploads ?? uploadsInEveryStatus(),
    history: data.history ?? historyRows(40),
    settings: data.settings ?? settingsView('study-1/run-7'),
    plan: data.plan ?? plannedRun(),
    review: data.review ?? reviewedRun(),
  };
  await page.addInitScript((d: StandInData) => {
    const ok = (value: unknown) => Promise.resolve({ ok: true, value });
    const asked: string[] = [];
    let progress: ((batch: { items: unknown[] }) => void) | null = null;
    const items = new Map(d.uploads.map((u) => [u.id, u]));
    const move = (id: string, status: string) => {
      const item = items.get(id);
      if (!item) return ok(null);
      const next = { ...item, status, speed: 0 } as typeof item;
      items.set(id, next);
      setTimeout(() => progress?.({ items: [next] }), 0);
      return ok(null);
    };
    const test = window as unknown as {
      __emit: (items: unknown[]) => void;
      __asked: string[];
    };
    test.__emit = (list) => progress?.({ items: list });
    test.__asked = asked;
    const api: Record<string, unknown> = {
      appInfo: () =>
        ok({
          version: '1.0.0',
          platform: 'linux',
          demo: null,
          profile: {
            name: 'center',
            fullControlIds: ['0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'],
            md5MetadataKey: 'content-md5',
          },
        }),
      getSettings: () => ok(d.settings),
      listUploads: () => ok([...items.values()]),
      listTargets: () => ok([]),
      // A page at a time from a cursor, as main's Store.historyPage answers (rowid: the row's
      // place counted from the oldest, so the newest has the highest).
      queryHistory: (request: {
        search?: string;
        status?: string;
        limit?: number;
        after?: { createdAt: number; rowid: number };
      }) => {
        const needle = request.search?.toLowerCase() ?? '';
        const matching = d.history
          .map((row, i) => ({ row, rowid: d.history.length - i }))
          .filter(
            ({ row }) =>
              (request.status === undefined || row.status === request.status) &&
              [row.localPath, row.bucket, row.key].some((t) => t.toLowerCase().includes(needle)),
          );
        const after = request.after;
        const from = after ? matching.findIndex(({ rowid }) => rowid < after.rowid) : 0;
        const limit = request.limit ?? 500;
        const page = from < 0 ? [] : matching.slice(from, from + limit);
        const last = page.at(-1);
        const more = from >= 0 && from + limit < matching.length;
        return ok({
          rows: page.map(({ row }) => row),
          next: more && last ? { createdAt: last.row.createdAt, rowid: last.rowid } : null,
          total: after ? null : { count: matching.length, exact: true },
        });
      },
      credentialChoices: () =>
        ok([
          {
            name: 'lab-a',
            source: 'app',
            kind: 'static',
            region: 'us-east-1',
            keyIdLast4: 'WXYZ',
          },
          { name: null, source: 'default', kind: 'static', region: null, keyIdLast4: null },
        ]),
      credentialSummary: () =>
        ok({
          profile: 'lab-a',
          kind: 'static',
          keyIdLast4: 'WXYZ',
          region: 'us-east-1',
          expiresAt: null,
        }),
      credentialStorageProblem: () => ok(null),
      listProfiles: () =>
        ok([
          {
            name: 'center',
            fullControlIds: ['0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0'],
            md5MetadataKey: 'content-md5',
            builtIn: true,
            isDefault: true,
          },
        ]),
      // Refused with a long message without spaces, to see it wrap.
      saveKeys: () =>
        Promise.resolve({
          ok: false,
          error: {
            code: 'StoreFailed',
            message: `The keychain refused to store the keys at /home/lab/${'very-long-folder-name/'.repeat(12)}labdrop/keys.bin.`,
          },
        }),
      exportHistory: () => ok({ path: '/home/lab/labdrop-history.csv', rows: 40 }),
      listBuckets: () =>
        ok({
          allowed: true,
          buckets: [
            { name: 'center-archive', region: 'us-east-1' },
            { name: 'lab-bucket', region: 'us-east-1' },
          ],
        }),
      listFolders: (target: { bucket: string }, prefix: string) =>
        ok({
          bucket: target.bucket,
          prefix,
          folders: [`${prefix}run-1/`, `${prefix}run-2/`],
          fileCount: 0,
          truncated: false,
        }),
      openFiles: () => ok(['/data/run-8']),
      planUpload: () => ok(d.plan),
      reviewUpload: () => ok(d.review),
      pause: (id: string) => move(id, 'paused'),
      resume: (id: string) => move(id, 'queued'),
      retry: (id: string) => move(id, 'queued'),
      cancel: (id: string) => move(id, 'cancelled'),
      pathForFile: () => '',
      onProgress: (listener: typeof progress) => {
        progress = listener;
        return () => (progress = null);
      },
      onQueueChanged: () => () => undefined,
      onAttention: () => () => undefined,
    };
    Object.defineProperty(window, 'labdrop', {
      value: new Proxy(api, {
        get: (target, method: string) => {
          asked.push(method);
          return target[method] ?? (() => ok(null));
        },
      }),
    });
  }, full);
  await openRenderer(page);
  await expect(page.getByRole('heading', { name: 'Queue' })).toBeVisible();
  expect(errors).toEqual([]);
  return {
    page,
    emit: (list) =>
      page.evaluate(
        (l) => (window as unknown as { __emit: (i: unknown[]) => void }).__emit(l),
        list,
      ),
    asked: () => page.evaluate(() => (window as unknown as { __asked: string[] }).__asked),
  };
}
