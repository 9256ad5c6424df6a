/**
 * The IPC contract between the renderer and the main process: every channel,
 * the zod schema of its argument, the type of its answer, and the one API
 * object the preload exposes as `window.labdrop`.
 *
 * Note on trust (enforced in electron/ipc/handlers.ts and channels.ipc.ts):
 * - the renderer is untrusted: main parses every argument as `unknown` with
 *   the schema below before it reaches a service, and answers only our
 *   window's top frame;
 * - paths from the renderer must be absolute (they come from a drop or from
 *   main's own file dialog), and object keys are never taken from the
 *   renderer: main plans the upload and the renderer refers to the plan by id;
 * - nothing throws across the bridge: every answer is an `IpcResult`.
 */
import { z } from 'zod';
import type { KeyWarning } from './keys';
import { MAX_PART_CONCURRENCY, MAX_PART_SIZE_MIB, MIN_PART_SIZE_MIB } from './parts';
import { MAX_RATE, MIN_RATE } from './rate';
import { UPLOAD_STATUSES } from './lifecycle';
import type { HistoryPage, UploadError, UploadProgress, UploadRecord } from './types';
import type {
  AccessReport,
  BucketList,
  CredentialChoice,
  CredentialSummary,
  FolderList,
  SavedTarget,
  StoredKeysSummary,
} from './targets';

/** Request/response channels (renderer `invoke`, main `handle`), `domain:verb`. */
export type RequestChannel = keyof typeof requestSchemas;

/**
 * Preload to main only (never on `window.labdrop`): the path of a file the
 * user dropped, from webUtils.getPathForFile. See electron/ipc/chosen-paths.ts.
 */
export const DROPPED_PATH_CHANNEL = 'paths:dropped';

/** Events, main to renderer. */
export const EVENT_CHANNELS = ['uploads:progress', 'uploads:changed', 'uploads:attention'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export interface IpcError {
  /** Stable machine code: BadRequest, NoSuchBucket, AccessDenied, UnknownPlan… */
  code: string;
  /** What happened and what to do, for a lab technician. */
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---------------------------------------------------------------------------
// Argument schemas

/** POSIX `/…`, Windows `C:\…` or `C:/…`, or a UNC share `\\server\share…`. */
export function isAbsolutePath(path: string): boolean {
  return /^\//.test(path) || /^[A-Za-z]:[\\/]/.test(path) || /^\\\\[^\\]+\\[^\\]+/.test(path);
}

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'A path cannot contain a NUL character.')
  .refine(isAbsolutePath, 'Paths must be absolute.');

const UploadId = z.string().min(1).max(128);

/** S3's rules, loosened for old us-east-1 buckets (capitals and underscores). */
export const BucketName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
    'A bucket name is 3 to 63 letters, digits, dots or hyphens, starting and ending with a letter or digit.',
  );

export const EndpointUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'The endpoint must be an http:// or https:// address, e.g. https://s3.example.org.');

export const Region = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{2,32}$/, 'A region looks like us-east-1.');

export const AwsProfileName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.+@-]{1,128}$/, 'A profile name is letters, digits and _ . + @ -.');

/** Where a batch goes; `endpoint: null` is AWS S3, `awsProfile: null` the default credential chain. */
export const TargetSchema = z.strictObject({
  bucket: BucketName,
  endpoint: EndpointUrl.nullable(),
  region: Region,
  awsProfile: AwsProfileName.nullable(),
  /** Through S3 Transfer Acceleration; main refuses it where it cannot work (accelerationProblem). */
  accelerate: z.boolean().optional(),
});
export type TargetInput = z.infer<typeof TargetSchema>;

/** Which uploads of the history: an export takes all of them, the history view a page at a time. */
export const HistoryFilterSchema = z.strictObject({
  search: z.string().max(1024).optional(),
  status: z.enum(UPLOAD_STATUSES).optional(),
});
export type HistoryFilter = z.infer<typeof HistoryFilterSchema>;

/** Rows a page of the history holds unless asked for fewer; the most one may ask for. */
export const HISTORY_PAGE_SIZE = 500;
export const HISTORY_PAGE_MAX = 1000;

/**
 * A page of the history (`history:query`): the newest `limit` matching rows
 * after `after`, the last row of the page before (HistoryPage.next, handed
 * back as it came). Keyset paging, never an offset: a next page costs what
 * the first does, however far down the history it is.
 */
export const HistoryPageRequestSchema = z.strictObject({
  ...HistoryFilterSchema.shape,
  limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
  after: z.strictObject({ createdAt: z.number().int(), rowid: z.number().int().min(1) }).optional(),
});
export type HistoryPageRequest = z.infer<typeof HistoryPageRequestSchema>;

/** What a user may change in Settings; the last target is remembered between runs. */
export const SettingsSchema = z.strictObject({
  partConcurrency: z.number().int().min(1).max(MAX_PART_CONCURRENCY),
  partSizeMiB: z.number().int().min(MIN_PART_SIZE_MIB).max(MAX_PART_SIZE_MIB),
  /** The bandwidth limit on all uploads together, in bytes per second (see shared/rate.ts); null: none. */
  maxRate: z.number().int().min(MIN_RATE).max(MAX_RATE).nullable(),
  target: z
    .strictObject({
      bucket: z.string().max(255),
      prefix: z.string().max(1024),
      endpoint: z.string().max(2048),
      region: z.string().max(32),
      awsProfile: z.string().max(128),
      accelerate: z.boolean().optional(),
    })
    .nullable(),
});
export type AppSettings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: AppSettings = {
  partConcurrency: 8,
  partSizeMiB: 8,
  maxRate: null,
  target: null,
};

const none = z.undefined();
const byId = z.strictObject({ id: UploadId });
const SavedTargetId = z.string().trim().min(1).max(128);
const Prefix = z.string().max(1024);
const SynapseId = z
  .string()
  .trim()
  .regex(/^syn\d{1,12}$/, 'A Synapse folder ID looks like syn12345678.');
const SubmissionProfileName = z.string().trim().min(1).max(64);
/** Where to reach S3 without a bucket: for listing buckets and asking who we are. */
const SourceSchema = TargetSchema.omit({ bucket: true, accelerate: true });

/** A saved target as the picker sends it; main validates it again in TargetStore. */
export const SavedTargetInputSchema = z.strictObject({
  name: z.string().trim().max(128).nullable().optional(),
  bucket: BucketName,
  prefix: Prefix.optional(),
  endpoint: EndpointUrl.nullable().optional(),
  region: Region,
  awsProfile: AwsProfileName.nullable().optional(),
  synapseId: SynapseId.nullable().optional(),
  submissionProfile: SubmissionProfileName.optional(),
  accelerate: z.boolean().optional(),
});
export type SavedTargetInput = z.infer<typeof SavedTargetInputSchema>;

/**
 * Access keys typed into Settings: the one request that carries a secret
 * from the renderer to main (see the note on secrets in
 * electron/services/credentials.ts). No answer ever carries one back.
 */
export const SaveKeysSchema = z.strictObject({
  name: z.string().trim().min(1).max(64),
  accessKeyId: z.string().trim().min(3).max(128),
  secretAccessKey: z.string().trim().min(8).max(256),
  sessionToken: z.string().trim().max(4096).nullable().optional(),
  region: Region.nullable().optional(),
});
export type SaveKeysInput = z.infer<typeof SaveKeysSchema>;

export const requestSchemas = {
  'app:info': none,
  'dialog:openFiles': z.strictObject({ kind: z.enum(['files', 'folder']) }),
  'credentials:choices': none,
  'credentials:summary': z.strictObject({ profile: AwsProfileName.nullable() }),
  'credentials:storageProblem': none,
  'credentials:saveKeys': SaveKeysSchema,
  'credentials:removeKeys': z.strictObject({ name: z.string().trim().min(1).max(64) }),
  /** The user signed in again (e.g. `aws sso login`): forget cached credentials. */
  'credentials:signedIn': z.strictObject({ profile: AwsProfileName.nullable().optional() }),
  'targets:check': z.strictObject({
    target: TargetSchema,
    prefix: Prefix,
    submissionProfile: SubmissionProfileName.optional(),
  }),
  'targets:listBuckets': z.strictObject({ source: SourceSchema }),
  'targets:listFolders': z.strictObject({ target: TargetSchema, prefix: Prefix }),
  'targets:newFolder': z.strictObject({ parent: Prefix, name: z.string().max(1024) }),
  'targets:list': none,
  'targets:add': SavedTargetInputSchema,
  'targets:update': z.strictObject({
    id: SavedTargetId,
    patch: SavedTargetInputSchema.partial(),
  }),
  'targets:remove': z.strictObject({ id: SavedTargetId }),
  'targets:markUsed': z.strictObject({ id: SavedTargetId }),
  'profiles:list': none,
  /** Main shows its open dialog and imports the chosen file. */
  'profiles:importJson': z.strictObject({ replace: z.boolean().optional() }),
  /** Main shows its save dialog and writes the profile there. */
  'profiles:exportJson': z.strictObject({ name: SubmissionProfileName }),
  'profiles:remove': z.strictObject({ name: SubmissionProfileName }),
  'uploads:plan': z.strictObject({
    paths: z.array(AbsolutePath).min(1).max(100_000),
    prefix: z.string().max(1024),
    /** The saved target chosen in the picker: its submission profile's rules make the warnings. */
    savedTargetId: SavedTargetId.nullable().optional(),
  }),
  /**
   * The plan's warnings under the submission profile of the saved target the
   * form now shows (null: the queue's own), which `uploads:add` then enforces.
   * See "Note on the warnings the user saw" in electron/ipc/handlers.ts.
   */
  'uploads:warnings': z.strictObject({
    planId: z.string().min(1).max(128),
    savedTargetId: SavedTargetId.nullable().optional(),
  }),
  /**
   * The plan's keys renamed so that Synapse takes every name in them (never
   * the files): main answers with the plan under a new id, whose warnings
   * follow the saved target's submission profile as in `uploads:warnings`.
   */
  'uploads:renameForSynapse': z.strictObject({
    planId: z.string().min(1).max(128),
    savedTargetId: SavedTargetId.nullable().optional(),
  }),
  /**
   * What the bucket already has at the plan's keys, for the target the form
   * shows (the saved target's submission profile, when one is chosen, names
   * the content-md5 compared). Main keeps the review with the plan for
   * `uploads:add`.
   */
  'uploads:review': z.strictObject({
    planId: z.string().min(1).max(128),
    target: TargetSchema,
    savedTargetId: SavedTargetId.nullable().optional(),
  }),
  /** The user put the plan away: its files are not hashed early any longer. */
  'uploads:discardPlan': z.strictObject({ planId: z.string().min(1).max(128) }),
  'uploads:add': z.strictObject({
    planId: z.string().min(1).max(128),
    target: TargetSchema,
    /** The user saw the plan's warnings and chose to upload anyway. */
    acceptWarnings: z.boolean(),
    /** The saved target chosen in the picker: its Synapse folder is recorded with each upload. */
    savedTargetId: SavedTargetId.nullable().optional(),
    /** Upload the plan's files and leave out the items it could not plan (a link loop). */
    skipProblems: z.boolean().optional(),
    /**
     * Objects the review found different that the user chose to overwrite, by
     * key, or all of them. The others are kept (recorded as skipped).
     */
    replace: z
      .union([z.literal('all'), z.array(z.string().min(1).max(1024)).max(100_000)])
      .optional(),
  }),
  'uploads:list': none,
  'uploads:pause': byId,
  'uploads:resume': byId,
  'uploads:cancel': byId,
  'uploads:retry': byId,
  /** A cancelled upload, added again: the same file to the same place. */
  'uploads:again': byId,
  'uploads:pauseAll': none,
  'uploads:resumeAll': none,
  'uploads:retryAll': none,
  'uploads:cancelAll': none,
  'uploads:clearFinished': none,
  'history:query': HistoryPageRequestSchema,
  'history:export': z.strictObject({
    format: z.enum(['csv', 'json']),
    filter: HistoryFilterSchema,
  }),
  'settings:get': none,
  'settings:set': SettingsSchema.partial(),
  /** Main opens the folder of labdrop.log in the system's file manager. */
  'logs:openFolder': none,
  /** Main puts the diagnostics (no secret) on the clipboard, and answers with them. */
  'diagnostics:copy': none,
} as const;

export const REQUEST_CHANNELS = Object.keys(requestSchemas) as RequestChannel[];

export type RequestOf<C extends RequestChannel> = z.input<(typeof requestSchemas)[C]>;

// ---------------------------------------------------------------------------
// Answers and events

export interface DemoInfo {
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  /** A small study folder written for the demo, ready to drop. */
  sampleFolder: string;
}

export interface AppInfo {
  version: string;
  platform: string;
  /** Set when the app was started with --demo. */
  demo: DemoInfo | null;
  /** The submission profile every object is uploaded with. */
  profile: { name: string; fullControlIds: string[]; md5MetadataKey: string };
}

export interface PlannedFileSummary {
  localPath: string;
  key: string;
  size: number;
}

/** What main planned for the dropped paths. Keys are main's; the renderer only shows them. */
export interface PlanSummary {
  planId: string;
  prefix: string;
  fileCount: number;
  totalBytes: number;
  /** The first files, for review; `fileCount` has them all. */
  files: PlannedFileSummary[];
  /** Reasons the batch cannot start. */
  problems: string[];
  /** Keys the center's sync job would skip (capped; see `warningCount`). */
  warnings: KeyWarning[];
  warningCount: number;
  /**
   * The saved target whose submission profile the warnings follow (its
   * synced folders); null: the queue's own profile.
   */
  warningsFor: string | null;
  /** Keys with a name Synapse refuses ('synapse-name' warnings, all of them). */
  synapseNames: number;
}

/** A key `uploads:renameForSynapse` changed. */
export interface RenamedKey {
  from: string;
  to: string;
}

/** The plan with its keys renamed for Synapse, and what changed. */
export interface SynapseRenames {
  summary: PlanSummary;
  /** The first renames (`renameCount` has them all). */
  renames: RenamedKey[];
  renameCount: number;
}

/** A group of the bucket review: how many of the plan's files, and their bytes. */
export interface ReviewGroup {
  count: number;
  bytes: number;
}

/** A file whose key holds an object with other bytes (or one Labdrop could not compare). */
export interface DifferentFileSummary {
  localPath: string;
  key: string;
  /** The local file's size. */
  size: number;
  /** The object's size and last change (ms), as the bucket listed them. */
  objectSize: number | null;
  objectModified: number | null;
  /** Why it counts as different, in a few words. */
  evidence: string;
}

/** What the bucket has at a plan's keys (electron/engine/bucket-review.ts), group by group. */
export interface BucketReviewSummary {
  planId: string;
  /** No object at the key: sent. */
  new: ReviewGroup;
  /** The object has the file's bytes: recorded as skipped, not sent. */
  identical: ReviewGroup;
  /** An object with other bytes: kept (recorded as skipped) unless the user replaces it. */
  different: ReviewGroup;
  /** An unfinished upload of the same file already writes the key: added once. */
  queued: ReviewGroup;
  /** What the new files send; a replaced file adds its size. */
  bytesToSend: number;
  /** How the keys were looked up, when not by listing the bucket. */
  note: string | null;
  /** The different files, the first ones (`different.count` has them all). */
  differentFiles: DifferentFileSummary[];
}

export type {
  AccessReport,
  AccessStep,
  AccessStepName,
  AccessStepStatus,
  BucketList,
  CredentialChoice,
  CredentialKind,
  CredentialSummary,
  FolderList,
  SavedTarget,
  StoredKeysSummary,
} from './targets';

export interface NewFolder {
  prefix: string;
  warnings: string[];
}

export interface SubmissionProfileView {
  name: string;
  fullControlIds: string[];
  md5MetadataKey: string;
  /** The center's preset: cannot be changed or removed. */
  builtIn: boolean;
  isDefault: boolean;
}

export interface ExportResult {
  /** Null when the user cancelled the save dialog. */
  path: string | null;
  rows: number;
}

export interface SettingsView {
  settings: AppSettings;
  /** The part size in effect differs from the saved one until Labdrop restarts. */
  restartNeeded: boolean;
}

/** One coalesced batch of live changes (about ten a second while uploads run). */
export interface ProgressBatch {
  items: UploadProgress[];
}

/** The whole queue view, after uploads were added or cleared. */
export interface QueueList {
  items: UploadProgress[];
}

export interface Responses {
  'app:info': AppInfo;
  'dialog:openFiles': string[];
  'credentials:choices': CredentialChoice[];
  'credentials:summary': CredentialSummary;
  'credentials:storageProblem': string | null;
  'credentials:saveKeys': StoredKeysSummary;
  'credentials:removeKeys': boolean;
  'credentials:signedIn': null;
  'targets:check': AccessReport;
  'targets:listBuckets': BucketList;
  'targets:listFolders': FolderList;
  'targets:newFolder': NewFolder;
  'targets:list': SavedTarget[];
  'targets:add': SavedTarget;
  'targets:update': SavedTarget;
  'targets:remove': boolean;
  'targets:markUsed': null;
  'profiles:list': SubmissionProfileView[];
  /** Null when the user cancelled the open dialog. */
  'profiles:importJson': SubmissionProfileView | null;
  'profiles:exportJson': ExportResult;
  'profiles:remove': boolean;
  'uploads:plan': PlanSummary;
  'uploads:warnings': PlanSummary;
  'uploads:renameForSynapse': SynapseRenames;
  'uploads:review': BucketReviewSummary;
  'uploads:discardPlan': null;
  'uploads:add': UploadProgress[];
  'uploads:list': UploadProgress[];
  'uploads:pause': null;
  'uploads:resume': null;
  'uploads:cancel': null;
  'uploads:retry': null;
  'uploads:again': UploadProgress[];
  'uploads:pauseAll': null;
  'uploads:resumeAll': null;
  'uploads:retryAll': null;
  'uploads:cancelAll': null;
  'uploads:clearFinished': null;
  'history:query': HistoryPage;
  'history:export': ExportResult;
  'settings:get': SettingsView;
  'settings:set': SettingsView;
  /** The folder opened. */
  'logs:openFolder': string;
  /** The text copied. */
  'diagnostics:copy': string;
}

export interface Events {
  'uploads:progress': ProgressBatch;
  'uploads:changed': QueueList;
  /** The queue paused itself until the user acts (e.g. credentials expired: sign in again). */
  'uploads:attention': IpcError;
}

/** Anything with a name: a DOM `File` in the renderer. */
export interface FileLike {
  readonly name: string;
}

/** `window.labdrop`: the one API the preload exposes (built by shared/bridge.ts). */
export interface LabdropApi {
  appInfo(): Promise<IpcResult<AppInfo>>;
  /** The absolute path of a dropped file ('' when it has none, e.g. dragged from a web page). */
  pathForFile(file: FileLike): string;
  openFiles(kind: 'files' | 'folder'): Promise<IpcResult<string[]>>;
  credentialChoices(): Promise<IpcResult<CredentialChoice[]>>;
  credentialSummary(profile: string | null): Promise<IpcResult<CredentialSummary>>;
  /** Why keys cannot be stored encrypted here (plain-text-only storage), or null. */
  credentialStorageProblem(): Promise<IpcResult<string | null>>;
  /** The one call that sends a secret to main; the answer has only the last 4 of the key ID. */
  saveKeys(input: SaveKeysInput): Promise<IpcResult<StoredKeysSummary>>;
  removeKeys(name: string): Promise<IpcResult<boolean>>;
  /** After `aws sso login` or similar; null/undefined profile: every profile. */
  signedIn(profile?: string | null): Promise<IpcResult<null>>;
  checkTarget(
    target: TargetInput,
    prefix: string,
    submissionProfile?: string,
  ): Promise<IpcResult<AccessReport>>;
  listBuckets(source: Omit<TargetInput, 'bucket'>): Promise<IpcResult<BucketList>>;
  listFolders(target: TargetInput, prefix: string): Promise<IpcResult<FolderList>>;
  newFolder(parent: string, name: string): Promise<IpcResult<NewFolder>>;
  listTargets(): Promise<IpcResult<SavedTarget[]>>;
  addTarget(input: SavedTargetInput): Promise<IpcResult<SavedTarget>>;
  updateTarget(id: string, patch: Partial<SavedTargetInput>): Promise<IpcResult<SavedTarget>>;
  removeTarget(id: string): Promise<IpcResult<boolean>>;
  markTargetUsed(id: string): Promise<IpcResult<null>>;
  listProfiles(): Promise<IpcResult<SubmissionProfileView[]>>;
  importProfile(replace?: boolean): Promise<IpcResult<SubmissionProfileView | null>>;
  exportProfile(name: string): Promise<IpcResult<ExportResult>>;
  removeProfile(name: string): Promise<IpcResult<boolean>>;
  /** `savedTargetId`: the saved target chosen, whose submission profile the warnings follow. */
  planUpload(
    paths: string[],
    prefix: string,
    savedTargetId?: string | null,
  ): Promise<IpcResult<PlanSummary>>;
  /** The plan's warnings under the saved target's submission profile (null: the queue's). */
  planWarnings(planId: string, savedTargetId: string | null): Promise<IpcResult<PlanSummary>>;
  /** Renames the plan's keys that Synapse refuses (never the files); the plan gets a new id. */
  renameForSynapse(
    planId: string,
    savedTargetId: string | null,
  ): Promise<IpcResult<SynapseRenames>>;
  /** Compares the plan's files with what the bucket has at their keys; nothing is recorded. */
  reviewUpload(
    planId: string,
    target: TargetInput,
    savedTargetId?: string | null,
  ): Promise<IpcResult<BucketReviewSummary>>;
  discardPlan(planId: string): Promise<IpcResult<null>>;
  /** `replace`: the different objects to overwrite (keys, or 'all'); the others are kept. */
  addUploads(
    planId: string,
    target: TargetInput,
    acceptWarnings: boolean,
    savedTargetId?: string | null,
    skipProblems?: boolean,
    replace?: string[] | 'all',
  ): Promise<IpcResult<UploadProgress[]>>;
  listUploads(): Promise<IpcResult<UploadProgress[]>>;
  pause(id: string): Promise<IpcResult<null>>;
  resume(id: string): Promise<IpcResult<null>>;
  cancel(id: string): Promise<IpcResult<null>>;
  retry(id: string): Promise<IpcResult<null>>;
  /** A cancelled upload added again; answers with the new row. */
  uploadAgain(id: string): Promise<IpcResult<UploadProgress[]>>;
  pauseAll(): Promise<IpcResult<null>>;
  resumeAll(): Promise<IpcResult<null>>;
  /** Retries every failed upload in the queue view. */
  retryAll(): Promise<IpcResult<null>>;
  /** Cancels every upload in the queue view that is not done. */
  cancelAll(): Promise<IpcResult<null>>;
  /** Removes done and cancelled rows from the queue view (history keeps them). */
  clearFinished(): Promise<IpcResult<null>>;
  /** A page of the history; the next one after `page.next`. */
  queryHistory(request: HistoryPageRequest): Promise<IpcResult<HistoryPage>>;
  exportHistory(format: 'csv' | 'json', filter: HistoryFilter): Promise<IpcResult<ExportResult>>;
  getSettings(): Promise<IpcResult<SettingsView>>;
  setSettings(patch: Partial<AppSettings>): Promise<IpcResult<SettingsView>>;
  openLogFolder(): Promise<IpcResult<string>>;
  copyDiagnostics(): Promise<IpcResult<string>>;
  /** Subscriptions return their unsubscribe function. */
  onProgress(listener: (batch: ProgressBatch) => void): () => void;
  onQueueChanged(listener: (list: QueueList) => void): () => void;
  onAttention(listener: (reason: IpcError) => void): () => void;
}

/** The fields a person types, named as the window names them. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  name: 'the name',
  accessKeyId: 'the access key ID',
  secretAccessKey: 'the secret access key',
  sessionToken: 'the session token',
  region: 'the region',
  bucket: 'the bucket',
  prefix: 'the folder',
  endpoint: 'the endpoint',
  awsProfile: 'the AWS profile',
  synapseId: 'the Synapse folder',
  target: 'the target',
  replace: 'the files to replace',
  partConcurrency: 'the number of parallel part uploads',
  partSizeMiB: 'the part size',
  maxRate: 'the bandwidth limit',
};

/**
 * A refused request in words a person can act on: which fields, never zod's
 * own text ("secretAccessKey: Too small: expected string to have >=8
 * characters") nor the channel's name, which mean nothing to a lab technician.
 * The window checks its forms before sending, so this is a last line.
 */
export function describeIssues(error: z.ZodError): string {
  const fields = [
    ...new Set(error.issues.map((issue) => FIELD_WORDS[String(issue.path[0])] ?? 'a value')),
  ];
  const named =
    fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`;
  return `Labdrop could not use ${named}: check ${fields.length === 1 ? 'it' : 'them'} and try again.`;
}

export type { HistoryPage, UploadError, UploadProgress, UploadRecord };
