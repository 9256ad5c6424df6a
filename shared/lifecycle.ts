/**
 * The upload lifecycle: every status a file's upload can be in, the table of
 * legal moves between them, and the groupings the engine, the IPC layer, the
 * command line and the window use. No other file spells out a set of statuses.
 *
 * Note on the lifecycle (enforced by Store.transition in
 * electron/engine/store.ts): a status changes only by an event of this table,
 * from the status the writer expects; the store refuses any other write.
 * Only the process that holds an upload's lock moves it (electron/engine/
 * upload-lock.ts); another process asks through the upload's `requested`
 * field (`labdrop pause ID` while the app uploads it), never by writing a status.
 */

/** Where one file is in its life. `done` means uploaded and verified. */
export const UPLOAD_STATUSES = [
  'queued',
  'hashing',
  'uploading',
  'verifying',
  /** The endpoint could not be reached: it goes on by itself once it answers again. */
  'waiting',
  'done',
  /** Not sent: the bucket has it already, or has another version the user kept (see BucketCheck). */
  'skipped',
  'paused',
  'failed',
  'cancelled',
] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export const UPLOAD_EVENTS = [
  /** A paused upload goes on. */
  'resume',
  /** A failed upload is tried again (a changed file is hashed afresh). */
  'retry',
  /** An upload a crash or another process's exit left mid-way is picked up again. */
  'recover',
  'hash',
  /** Its MD5 is known (hashed now, or recorded for this exact version of the file). */
  'upload',
  'verify',
  /** The object in the bucket is this file. */
  'finish',
  /** The review found the object in the bucket: it is not sent (see BucketCheck). */
  'skip',
  'pause',
  'fail',
  'cancel',
  /** The endpoint stopped answering (a lost network, an outage): wait, don't fail. */
  'disconnect',
  /** It answers again. */
  'reconnect',
] as const;
export type UploadEvent = (typeof UPLOAD_EVENTS)[number];

/** A request another process (or the app's quit) leaves for the process uploading the file. */
export type UploadRequest = 'pause' | 'cancel';

/** Moves that stop a running upload: from every running status, the same. */
const STOPS = {
  pause: 'paused',
  fail: 'failed',
  cancel: 'cancelled',
  recover: 'queued',
  disconnect: 'waiting',
} as const;

/** The legal moves: status -> event -> next status. A status with none is final. */
export const TRANSITIONS: {
  readonly [S in UploadStatus]: Readonly<Partial<Record<UploadEvent, UploadStatus>>>;
} = {
  queued: { hash: 'hashing', upload: 'uploading', skip: 'skipped', ...STOPS },
  hashing: { upload: 'uploading', ...STOPS },
  uploading: { verify: 'verifying', ...STOPS },
  verifying: { finish: 'done', ...STOPS },
  waiting: { reconnect: 'queued', pause: 'paused', cancel: 'cancelled', recover: 'queued' },
  paused: { resume: 'queued', cancel: 'cancelled' },
  failed: { retry: 'queued', cancel: 'cancelled' },
  done: {},
  skipped: {},
  cancelled: {},
};

/** The status `event` moves `from` to, or null when the table has no such move. */
export function nextStatus(from: UploadStatus, event: UploadEvent): UploadStatus | null {
  return TRANSITIONS[from][event] ?? null;
}

/** Whether some event moves `from` to `to`. */
export function canMove(from: UploadStatus, to: UploadStatus): boolean {
  return Object.values(TRANSITIONS[from]).includes(to);
}

/** Hashing, uploading, waiting its turn or for the network: the file is moving (or a crash left it so). */
export function isActive(status: UploadStatus): boolean {
  return nextStatus(status, 'pause') !== null;
}

/** Not yet done, failed or cancelled: active or paused. What a restart picks up. */
export function isUnfinished(status: UploadStatus): boolean {
  return isActive(status) || status === 'paused';
}

/** Nothing more happens to it without someone asking (done, skipped, paused, failed, cancelled). */
export function isSettled(status: UploadStatus): boolean {
  return !isActive(status);
}

/** No move leaves it: done, skipped or cancelled. */
export function isFinal(status: UploadStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** The event that starts it again (Resume, Retry, or picking up after a crash), if any. */
export function startEvent(status: UploadStatus): UploadEvent | null {
  if (status === 'paused') return 'resume';
  if (status === 'failed') return 'retry';
  if (status === 'waiting') return 'reconnect';
  return isActive(status) ? 'recover' : null;
}

/** The table as a Mermaid state diagram, for docs/architecture.md. */
export function lifecycleDiagram(): string {
  const lines = ['stateDiagram-v2', '  [*] --> queued'];
  for (const from of UPLOAD_STATUSES) {
    for (const [event, to] of Object.entries(TRANSITIONS[from])) {
      lines.push(`  ${from} --> ${to}: ${event}`);
    }
  }
  for (const status of UPLOAD_STATUSES) if (isFinal(status)) lines.push(`  ${status} --> [*]`);
  return lines.join('\n');
}
