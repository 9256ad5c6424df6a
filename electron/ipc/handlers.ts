import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  describeIssues,
  HISTORY_PAGE_SIZE,
  isAbsolutePath,
  requestSchemas,
  type AppInfo,
  type BucketReviewSummary,
  type DifferentFileSummary,
  type Events,
  type IpcError,
  type IpcResult,
  type PlanSummary,
  type RequestChannel,
  type Responses,
  type SettingsView,
  type SubmissionProfileView,
  type SynapseRenames,
  type TargetInput,
} from '../../shared/ipc';
import { keyWarnings, type KeyRules, type KeyWarning } from '../../shared/keys';
import { MiB } from '../../shared/parts';
import { isFinal } from '../../shared/lifecycle';
import type { SubmissionProfile } from '../../shared/profile';
import type { BucketReview } from '../engine/bucket-review';
import { UploadFailure } from '../engine/errors';
import type { HashPool } from '../engine/hash-pool';
import { exportHistory } from '../engine/history-export';
import { projectProgress } from '../engine/progress';
import type { Target, UploadQueue } from '../engine/queue';
import type { Endpoint } from '../engine/s3-client';
import { planUpload, renameForSynapse, type Plan } from '../engine/scan';
import { StoreError, type Store } from '../engine/store';
import { redactSecrets } from '../services/service-error';
import type { TargetServices } from '../services/target-services';
import type { ChosenPaths } from './chosen-paths';
import type { SettingsFile } from './settings-file';
import type { UploadSession } from './upload-session';

export interface HandlerDeps {
  store: Store;
  queue: UploadQueue;
  session: UploadSession;
  settings: SettingsFile;
  appInfo: AppInfo;
  /** The part size the running queue was built with; a new one applies after a restart. */
  partSizeMiB: number;
  clientFor(endpoint: Endpoint): S3Client;
  /**
   * Credentials, access checks, browsing, saved targets and submission
   * profiles (electron/services), built on the same credentials and clients
   * as the queue.
   */
  targets: TargetServices;
  /** What the user dropped or chose: `uploads:plan` reads nothing else (see chosen-paths.ts). */
  chosen: ChosenPaths;
  /** Main's open dialog (the test host's stand-in in end-to-end tests); [] when cancelled. */
  openPaths(kind: 'files' | 'folder'): Promise<string[]>;
  /** Main's open dialog for one JSON file (a submission profile); null when cancelled. */
  openJsonFile(title: string): Promise<string | null>;
  /** Main's save dialog; null when cancelled. */
  savePath(suggestedName: string, format: 'csv' | 'json', title?: string): Promise<string | null>;
  /** Sends an event to every window. */
  broadcast<E extends keyof Events>(channel: E, payload: Events[E]): void;
  /** Shows a folder in the system's file manager; '' when it did, else why not (shell.openPath). */
  openFolder(path: string): Promise<string>;
  /** Puts text on the system clipboard. */
  copyText(text: string): void;
  /** Where labdrop.log is (electron/services/activity-log.ts). */
  logFolder: string;
  /** The diagnostics as text (electron/services/diagnostics.ts). */
  diagnostics(): string;
  plan?: (paths: readonly string[], prefix: string, rules?: KeyRules) => Promise<Plan>;
  /** Starts hashing planned files while the user picks where they go (see HashPool.prefetch). */
  hasher: Pick<HashPool, 'prefetch' | 'threads'>;
}

export type IpcHandlers = {
  [C in RequestChannel]: (arg: unknown) => Promise<IpcResult<Responses[C]>>;
};

type Implementations = {
  [C in RequestChannel]: (
    arg: ReturnType<(typeof requestSchemas)[C]['parse']>,
  ) => Promise<Responses[C]>;
};

/** A submission profile file is a few hundred bytes; anything huge is not one. */
const MAX_PROFILE_FILE_BYTES = 1024 * 1024;

/** Plans kept for the renderer to refer to; older ones are dropped. */
const MAX_PLANS = 8;
/** Files and warnings a plan summary lists; the counts cover them all. */
const SUMMARY_FILES = 500;
const SUMMARY_WARNINGS = 100;

interface HeldPlan {
  /** Its warnings are the ones the window was last shown: see the note on the warnings. */
  plan: Plan;
  /** The saved target whose submission profile made the warnings; null: the queue's. */
  warningsFor: string | null;
  prefix: string;
  adding: boolean;
  /** Its files hashed early (see HashPool.prefetch). */
  early: string[];
  /** The last bucket review the window asked for (uploads:review). */
  review: HeldReview | null;
}

/**
 * A review of what the bucket has, kept with its plan for `uploads:add`: the
 * files are recorded as the user saw them (what they chose to replace is what
 * that review found different). Used only for the place and submission
 * profile it was made for; otherwise the add reviews again.
 */
interface HeldReview {
  /** The target and profile it was made for (see reviewKey). */
  key: string;
  found: Promise<BucketReview>;
  settled: boolean;
  /** A newer review for another target, or the plan put away, stops it. */
  controller: AbortController;
}

/**
 * Every IPC request, as plain functions of `unknown` (the binding to ipcMain
 * is electron/ipc/channels.ipc.ts; the test host calls these directly). Each
 * parses its argument with the contract's schema before anything else, and
 * answers with a value, never a throw: see the note in shared/ipc.ts.
 */
export function createHandlers(deps: HandlerDeps): IpcHandlers {
  const { store, queue, session, settings, targets } = deps;
  const plan = deps.plan ?? planUpload;
  const plans = new Map<string, HeldPlan>();
  // Files hashed early (an upload cannot start before its file's MD5 is
  // known): the first files of the plan under review, and those of added
  // plans that still wait in the queue, until the queue gets to them and
  // takes their hashes over. The rest are stopped.
  /** The plan the window shows: the last one made (gone once added or put away). */
  let reviewing: string | null = null;
  let handedOver: Array<{ id: string; path: string }> = [];
  const hashEarly = () => {
    handedOver = handedOver.filter(({ id }) => store.getUpload(id)?.status === 'queued');
    const review = reviewing === null ? [] : (plans.get(reviewing)?.early ?? []);
    const paths = new Set([...handedOver.map(({ path }) => path), ...review]);
    deps.hasher.prefetch([...paths], { partSize: deps.partSizeMiB * MiB });
  };

  const settingsView = (): SettingsView => {
    const current = settings.get();
    return { settings: current, restartNeeded: current.partSizeMiB !== deps.partSizeMiB };
  };
  const announce = () => deps.broadcast('uploads:changed', { items: session.list() });
  // The engine's upload locks: another Labdrop process (a terminal) owns it.
  const busy = (id: string) => {
    const record = store.getUpload(id);
    if (!record || isFinal(record.status)) return;
    throw new UploadFailure({
      code: 'UploadBusy',
      message: `Another Labdrop (the app or a terminal) is uploading ${record.localPath}. Wait for it, or pause it there first.`,
    });
  };
  queue.onAttention((reason) => deps.broadcast('uploads:attention', reason));
  const profileView = (name: string): SubmissionProfileView => {
    const found = targets.profiles.list().find((p) => p.name === name);
    if (!found)
      throw new UploadFailure({ code: 'UnknownProfile', message: `No profile "${name}".` });
    return found;
  };
  const heldPlan = (planId: string): HeldPlan => {
    const held = plans.get(planId);
    if (!held) {
      throw new UploadFailure({
        code: 'UnknownPlan',
        message: 'This list of files is out of date. Drop or choose the files again.',
      });
    }
    return held;
  };
  /** A held plan that may change: not one being added. */
  const idlePlan = (planId: string): HeldPlan => {
    const held = heldPlan(planId);
    if (held.adding) {
      throw new UploadFailure({ code: 'PlanInUse', message: 'These files are being added.' });
    }
    return held;
  };
  /** Drops a plan, and stops the review of the bucket still looking at its files. */
  const forget = (planId: string) => {
    plans.get(planId)?.review?.controller.abort();
    plans.delete(planId);
  };
  /** The saved target's submission profile; undefined for the queue's own. */
  const profileOf = (savedTargetId: string | null | undefined): SubmissionProfile | undefined => {
    if (!savedTargetId) return undefined;
    return targets.profiles.require(targets.targets.require(savedTargetId).submissionProfile);
  };
  // Note on the warnings the user saw: a plan's warnings depend on the
  // submission profile (its synced folders), known only once the window
  // shows a target, and the keys change when renamed for Synapse. Main keeps
  // with each plan the warnings it last answered (uploads:plan, :warnings,
  // :renameForSynapse); `uploads:add` makes them again for the profile it
  // adds under, and `acceptWarnings` stands only for warnings among those:
  // any other is refused (WarningsChanged) for the window to show it first.
  // The window, for its part, accepts only warnings made for the saved
  // target it shows (renderer/src/state/plan.logic.ts, warningsShown).
  /** What the warnings need of the saved target's submission profile, or of the queue's. */
  const rulesOf = (savedTargetId: string | null | undefined): KeyRules => {
    const profile = profileOf(savedTargetId) ?? targets.profiles.get(deps.appInfo.profile.name);
    return { syncedFolders: profile?.syncedFolders };
  };
  /** The held plan's warnings made again for the saved target's profile, and kept as shown. */
  const warnFor = (planId: string, savedTargetId: string | null | undefined): PlanSummary => {
    const held = idlePlan(planId);
    held.plan = { ...held.plan, warnings: warningsOf(held.plan, rulesOf(savedTargetId)) };
    held.warningsFor = savedTargetId ?? null;
    return summarize(planId, held);
  };
  const known = (id: string) => {
    if (!store.getUpload(id)) {
      throw new UploadFailure({ code: 'UnknownUpload', message: `There is no upload "${id}".` });
    }
  };

  const impl: Implementations = {
    'app:info': async () => deps.appInfo,

    'dialog:openFiles': async ({ kind }) => {
      const paths = (await deps.openPaths(kind)).filter(isAbsolutePath);
      deps.chosen.allow(paths);
      return paths;
    },

    // Note on secrets: these answers carry summaries only (see
    // electron/services/credentials.ts); saveKeys is the one request with one.
    'credentials:choices': async () => targets.credentials.choices(),

    'credentials:summary': async ({ profile }) => targets.credentials.summary(profile),

    'credentials:storageProblem': async () => targets.credentials.storageProblem(),

    'credentials:saveKeys': async (input) => targets.credentials.saveKeys(input),

    'credentials:removeKeys': async ({ name }) => targets.credentials.removeKeys(name),

    'credentials:signedIn': async ({ profile }) => {
      targets.credentials.signedIn(profile);
      return null;
    },

    // The ACL-disabled verdict is the report's problem (AccessControlListNotSupported).
    'targets:check': async ({ target, prefix, submissionProfile }) =>
      targets.checkAccess({ ...toTarget(target), prefix }, submissionProfile),

    'targets:listBuckets': async ({ source }) =>
      targets.listBuckets({
        endpoint: source.endpoint,
        region: source.region,
        awsProfile: source.awsProfile,
      }),

    'targets:listFolders': async ({ target, prefix }) =>
      // The bucket's listing needs no edge network, and works while acceleration is off.
      targets.listFolders({ ...toTarget(target), accelerate: false }, prefix),

    'targets:newFolder': async ({ parent, name }) => targets.newFolder(parent, name),

    'targets:list': async () => targets.targets.list(),

    'targets:add': async (input) => targets.targets.add(input),

    'targets:update': async ({ id, patch }) => targets.targets.update(id, patch),

    'targets:remove': async ({ id }) => targets.targets.remove(id),

    'targets:markUsed': async ({ id }) => {
      targets.targets.require(id);
      targets.targets.markUsed(id);
      return null;
    },

    'profiles:list': async () => targets.profiles.list(),

    'profiles:importJson': async ({ replace }) => {
      const path = await deps.openJsonFile('Import a submission profile');
      if (!path) return null;
      if ((await stat(path)).size > MAX_PROFILE_FILE_BYTES) {
        throw new UploadFailure({
          code: 'BadProfile',
          message: `${path} is too large to be a submission profile file.`,
        });
      }
      const imported = targets.profiles.importJson(await readFile(path, 'utf8'), { replace });
      return profileView(imported.name);
    },

    'profiles:exportJson': async ({ name }) => {
      const text = targets.profiles.exportJson(name);
      const path = await deps.savePath(
        `${name}.labdrop-profile.json`,
        'json',
        'Export submission profile',
      );
      if (!path) return { path: null, rows: 0 };
      await writeFile(path, text);
      return { path, rows: 1 };
    },

    'profiles:remove': async ({ name }) => targets.profiles.remove(name),

    'uploads:plan': async ({ paths, prefix, savedTargetId }) => {
      const unchosen = paths.filter((path) => !deps.chosen.allows(path));
      if (unchosen.length > 0) {
        throw new UploadFailure({
          code: 'Forbidden',
          message: `Labdrop reads only files you dropped on its window or chose: ${unchosen[0]}${
            unchosen.length > 1 ? ` and ${unchosen.length - 1} more were not` : ' was not'
          }. Drop or choose them again.`,
        });
      }
      const planned = await plan(paths, prefix, rulesOf(savedTargetId));
      // The first files are hashed while the user picks the bucket and folder.
      const early =
        planned.problems.length === 0
          ? planned.files.slice(0, deps.hasher.threads).map((file) => file.localPath)
          : [];
      const planId = randomUUID();
      const held: HeldPlan = {
        plan: planned,
        warningsFor: savedTargetId ?? null,
        prefix,
        adding: false,
        early,
        review: null,
      };
      plans.set(planId, held);
      reviewing = planId;
      hashEarly();
      for (const id of plans.keys()) if (plans.size > MAX_PLANS) forget(id);
      return summarize(planId, held);
    },

    'uploads:warnings': async ({ planId, savedTargetId }) => warnFor(planId, savedTargetId),

    'uploads:renameForSynapse': async ({ planId, savedTargetId }) => {
      const held = idlePlan(planId);
      const { plan: renamed, renames } = renameForSynapse(held.plan, rulesOf(savedTargetId));
      // Other keys: a new id, so that nothing made for the old keys (the
      // bucket review, the window's choices of what to replace) is used for them.
      forget(planId);
      const newId = randomUUID();
      const next: HeldPlan = {
        ...held,
        plan: renamed,
        warningsFor: savedTargetId ?? null,
        review: null,
      };
      plans.set(newId, next);
      if (reviewing === planId) reviewing = newId;
      const answer: SynapseRenames = {
        summary: summarize(newId, next),
        renames: renames.slice(0, SUMMARY_FILES),
        renameCount: renames.length,
      };
      return answer;
    },

    'uploads:review': async ({ planId, target, savedTargetId }) => {
      const held = heldPlan(planId);
      const profile = profileOf(savedTargetId);
      const key = reviewKey(target, profile);
      let review = held.review;
      // The same review under way (the window asked twice) is not made twice.
      if (!review || review.key !== key || review.settled) {
        // Replaces the review for the target before an edit: its answer is not wanted.
        review?.controller.abort();
        const controller = new AbortController();
        const found = queue.review(held.plan, toTarget(target), profile, controller.signal);
        const made: HeldReview = { key, found, settled: false, controller };
        const settle = () => {
          made.settled = true;
        };
        found.then(settle, settle);
        held.review = review = made;
      }
      try {
        return summarizeReview(planId, held.plan, await review.found);
      } catch (error) {
        if (review.controller.signal.aborted) {
          throw new UploadFailure({
            code: 'ReviewReplaced',
            message: 'This comparison with the bucket was replaced by a newer one.',
          });
        }
        throw error;
      }
    },

    'uploads:discardPlan': async ({ planId }) => {
      forget(planId);
      // The files the user put away are not hashed on.
      hashEarly();
      return null;
    },

    'uploads:add': async ({
      planId,
      target,
      acceptWarnings,
      savedTargetId,
      skipProblems,
      replace,
    }) => {
      const held = idlePlan(planId);
      // See the note on the warnings the user saw.
      const warnings = warningsOf(held.plan, rulesOf(savedTargetId));
      if (warnings.length > 0 && !acceptWarnings) {
        throw new UploadFailure({
          code: 'WarningsNotAccepted',
          message: `${warnings.length} keys would be skipped by the center's sync job. Review the warnings and confirm, or change the prefix.`,
        });
      }
      if (warnings.length > 0 && !coveredBy(warnings, held.plan.warnings)) {
        throw new UploadFailure({
          code: 'WarningsChanged',
          message:
            "The warnings for this target's submission profile are not the ones you confirmed. Review them and confirm again.",
        });
      }
      const saved = savedTargetId ? targets.targets.require(savedTargetId) : null;
      const profile = profileOf(savedTargetId);
      held.adding = true;
      try {
        // The review the user saw (or the one under way, which the add would
        // make again), when it was made for this target and profile; a
        // review that failed is made again by the add.
        const mine = held.review?.key === reviewKey(target, profile) ? held.review : null;
        if (!mine) held.review?.controller.abort();
        const review = mine ? await mine.found.catch(() => undefined) : undefined;
        const records = await queue.add(
          // Asked for: the files go, the items that could not be planned stay out.
          skipProblems ? { ...held.plan, problems: [] } : held.plan,
          { ...toTarget(target), synapseId: saved?.synapseId ?? null, kms: saved?.kms ?? false },
          profile,
          { review, replace: replace === 'all' ? 'all' : new Set(replace ?? []) },
        );
        plans.delete(planId);
        for (const record of records) {
          if (held.early.includes(record.localPath)) {
            handedOver.push({ id: record.id, path: record.localPath });
          }
        }
        session.track(records.map((r) => r.id));
        // The uploads run from here. Remembering where they went is a
        // convenience: a settings file or database that cannot be written
        // now must not report them as not added, or the user adds them again.
        try {
          if (saved) targets.targets.markUsed(saved.id);
          settings.update({
            target: {
              bucket: target.bucket,
              prefix: held.prefix,
              endpoint: target.endpoint ?? '',
              region: target.region,
              awsProfile: target.awsProfile ?? '',
              accelerate: target.accelerate ?? false,
            },
          });
        } catch {
          // Next start's form is filled from the last target that was saved.
        }
        announce();
        const live = new Map(queue.snapshot().map((p) => [p.id, p]));
        return records.map((r) => live.get(r.id) ?? projectProgress(r));
      } finally {
        held.adding = false;
      }
    },

    'uploads:list': async () => session.list(),

    'uploads:pause': async ({ id }) => {
      known(id);
      await queue.requestPause(id);
      hashEarly();
      return null;
    },

    'uploads:resume': async ({ id }) => {
      known(id);
      if (!queue.resume(id)) busy(id);
      return null;
    },

    'uploads:cancel': async ({ id }) => {
      known(id);
      try {
        await queue.requestCancel(id);
      } finally {
        hashEarly();
      }
      return null;
    },

    'uploads:retry': async ({ id }) => {
      known(id);
      if (!queue.retryUpload(id)) busy(id);
      return null;
    },

    'uploads:again': async ({ id }) => {
      const record = store.getUpload(id);
      if (!record) {
        throw new UploadFailure({ code: 'UnknownUpload', message: `There is no upload "${id}".` });
      }
      if (record.status !== 'cancelled') {
        throw new UploadFailure({
          code: 'NotCancelled',
          message: 'Only a cancelled upload can be uploaded again; retry a failed one.',
        });
      }
      // The same key: planned alone in the folder its key is in.
      const cut = record.key.lastIndexOf('/');
      const planned = await plan([record.localPath], cut >= 0 ? record.key.slice(0, cut) : '');
      const records = await queue.add(
        planned,
        {
          bucket: record.bucket,
          endpoint: record.endpoint,
          region: record.region,
          awsProfile: record.awsProfile,
          synapseId: record.synapseId,
        },
        targets.profiles.require(record.submissionProfile),
      );
      session.track(records.map((r) => r.id));
      announce();
      const live = new Map(queue.snapshot().map((p) => [p.id, p]));
      return records.map((r) => live.get(r.id) ?? projectProgress(r));
    },

    'uploads:pauseAll': async () => {
      await queue.pauseAll();
      hashEarly();
      return null;
    },

    // Only the window's uploads: the database may hold another process's.
    'uploads:resumeAll': async () => {
      queue.resumeMany(session.tracked());
      return null;
    },

    'uploads:retryAll': async () => {
      for (const record of session.records()) {
        if (record.status === 'failed') queue.retryUpload(record.id);
      }
      return null;
    },

    'uploads:cancelAll': async () => {
      const open = session.records().filter((r) => !isFinal(r.status));
      const results = await Promise.allSettled(open.map((r) => queue.requestCancel(r.id)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return null;
    },

    'uploads:clearFinished': async () => {
      session.clearFinished();
      announce();
      return null;
    },

    'history:query': async ({ limit = HISTORY_PAGE_SIZE, ...request }) =>
      store.historyPage({ ...request, limit }),

    'history:export': async ({ format, filter }) => {
      const path = await deps.savePath(exportName(format), format);
      if (!path) return { path: null, rows: 0 };
      const rows = await exportHistory(path, format, store.historyPages(filter));
      return { path, rows };
    },

    'settings:get': async () => settingsView(),

    'settings:set': async (patch) => {
      const before = settings.get();
      const after = settings.update(patch);
      if (after.partConcurrency !== before.partConcurrency) {
        queue.setPartConcurrency(after.partConcurrency);
      }
      if (after.maxRate !== before.maxRate) queue.setMaxRate(after.maxRate);
      return settingsView();
    },

    'logs:openFolder': async () => {
      await mkdir(deps.logFolder, { recursive: true });
      const problem = await deps.openFolder(deps.logFolder);
      if (problem) {
        throw new UploadFailure({
          code: 'OpenFailed',
          message: `Labdrop could not open the log folder (${problem}). Open ${deps.logFolder} yourself.`,
        });
      }
      return deps.logFolder;
    },

    'diagnostics:copy': async () => {
      const text = deps.diagnostics();
      deps.copyText(text);
      return text;
    },
  };

  const handlers = {} as Record<RequestChannel, (arg: unknown) => Promise<IpcResult<unknown>>>;
  for (const channel of Object.keys(requestSchemas) as RequestChannel[]) {
    const schema = requestSchemas[channel];
    const run = impl[channel] as (arg: unknown) => Promise<unknown>;
    handlers[channel] = async (arg) => {
      const parsed = schema.safeParse(arg);
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'BadRequest',
            message: describeIssues(parsed.error),
          },
        };
      }
      try {
        return { ok: true, value: await run(parsed.data) };
      } catch (error) {
        return { ok: false, error: toIpcError(error) };
      }
    };
  }
  return handlers as IpcHandlers;
}

/** Every failure as `{ code, message }`: explained ones keep their words. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof UploadFailure || error instanceof StoreError) {
    return { code: error.code, message: error.message };
  }
  // Explained failures are worded without secrets; an unexpected one might echo a key.
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return { code: 'Internal', message: `Labdrop hit an unexpected error: ${message}` };
}

function toTarget(target: TargetInput): Target {
  return {
    bucket: target.bucket,
    endpoint: target.endpoint,
    region: target.region,
    awsProfile: target.awsProfile,
    accelerate: target.accelerate ?? false,
  };
}

function summarize(planId: string, { plan, prefix, warningsFor }: HeldPlan): PlanSummary {
  return {
    planId,
    prefix,
    fileCount: plan.files.length,
    totalBytes: plan.files.reduce((sum, file) => sum + file.size, 0),
    files: plan.files
      .slice(0, SUMMARY_FILES)
      .map(({ localPath, key, size }) => ({ localPath, key, size })),
    problems: plan.problems,
    warnings: plan.warnings.slice(0, SUMMARY_WARNINGS),
    warningCount: plan.warnings.length,
    warningsFor,
    synapseNames: plan.warnings.filter((w) => w.code === 'synapse-name').length,
  };
}

/** The plan's warnings under `rules`, as planUpload makes them. */
function warningsOf(plan: Plan, rules: KeyRules): KeyWarning[] {
  return plan.files.flatMap((file) => keyWarnings(file.key, rules));
}

/** Whether every warning of `warnings` is one of `shown`. */
function coveredBy(warnings: readonly KeyWarning[], shown: readonly KeyWarning[]): boolean {
  const text = (w: KeyWarning) => `${w.code}\0${w.key}\0${w.message}`;
  const seen = new Set(shown.map(text));
  return warnings.every((w) => seen.has(text(w)));
}

/** What a review was made for: the place, and the profile naming the content-md5 it compared. */
function reviewKey(target: TargetInput, profile: SubmissionProfile | undefined): string {
  return JSON.stringify([
    target.bucket,
    target.endpoint,
    target.region,
    target.awsProfile,
    target.accelerate === true,
    profile?.name ?? null,
  ]);
}

function summarizeReview(planId: string, plan: Plan, review: BucketReview): BucketReviewSummary {
  const groups = {
    new: { count: 0, bytes: 0 },
    identical: { count: 0, bytes: 0 },
    different: { count: 0, bytes: 0 },
    queued: { count: 0, bytes: 0 },
  };
  const differentFiles: DifferentFileSummary[] = [];
  plan.files.forEach((file, i) => {
    const found = review.files[i];
    if (!found) return;
    groups[found.kind].count++;
    groups[found.kind].bytes += file.size;
    if (found.kind === 'different' && differentFiles.length < SUMMARY_FILES) {
      differentFiles.push({
        localPath: file.localPath,
        key: file.key,
        size: file.size,
        objectSize: found.check.size,
        objectModified: found.check.lastModified,
        evidence: found.check.evidence,
      });
    }
  });
  return {
    planId,
    ...groups,
    bytesToSend: groups.new.bytes,
    note: review.note,
    differentFiles,
  };
}

function exportName(format: 'csv' | 'json'): string {
  return `labdrop-history-${new Date().toISOString().slice(0, 10)}.${format}`;
}
