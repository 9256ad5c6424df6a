import type { StateCreator } from 'zustand/vanilla';
import type {
  BucketReviewSummary,
  FileLike,
  IpcError,
  LabdropApi,
  PlanSummary,
  RenamedKey,
} from '../../../shared/ipc';
import {
  addedMessage,
  REPLACE_NONE,
  reviewKey,
  toggleReplace,
  type ReplaceChoice,
} from './bucket-review.logic';
import { droppedPaths, laterPaths, mergePaths } from './drop.logic';
import { planFitsPrefix, sameWarnings, warningsShown } from './plan.logic';
import type { AppState } from './store';
import { validateTarget } from './target.logic';

/** What the bucket already has at the planned keys, for the target the form shows. */
export interface BucketReviewState {
  /**
   * `reviewing` from the moment the plan or the target changed (the request
   * waits for the typing to stop); `failed` does not hold the upload back:
   * main reviews again as it adds.
   */
  status: 'idle' | 'reviewing' | 'done' | 'failed';
  /** The plan, target and saved target it is for (see reviewKey). */
  key: string;
  summary: BucketReviewSummary | null;
  error: IpcError | null;
  /** The different objects the user chose to overwrite. */
  replace: ReplaceChoice;
}

/** The keys renamed for Synapse in the plan on screen. */
export interface RenamesState {
  /** The first ones; `count` has them all. */
  list: RenamedKey[];
  count: number;
}

export interface PlanState {
  /** What the user dropped or chose, not yet uploading. */
  paths: string[];
  status: 'idle' | 'planning' | 'ready' | 'renaming' | 'adding';
  summary: PlanSummary | null;
  error: IpcError | null;
  /** The user confirmed uploading despite the plan's warnings. */
  acceptWarnings: boolean;
  /** Dropped or chosen while the plan was being added: planned on their own afterwards. */
  waiting: string[];
  bucket: BucketReviewState;
  /** Set once the keys Synapse refuses were renamed; a replan (another folder) drops it. */
  renames: RenamesState | null;
}

export interface PlanSlice {
  plan: PlanState;
  addPaths(paths: string[]): Promise<void>;
  /** Files and folders dropped on the window. */
  dropFiles(files: ArrayLike<FileLike>): Promise<void>;
  /** Main's open dialog. */
  chooseFiles(kind: 'files' | 'folder'): Promise<void>;
  /** Plans again shortly (the prefix is being typed). */
  replanSoon(): void;
  clearPlan(): void;
  /** The user puts the plan away (main stops hashing its files early). */
  discardPlan(): void;
  setAcceptWarnings(accept: boolean): void;
  /** Renames the keys Synapse refuses (main's plan; never the files). */
  renameForSynapse(): Promise<void>;
  /** One different object: overwrite it (`on`), or keep the bucket's version. */
  setReplace(key: string, on: boolean): void;
  setReplaceAll(on: boolean): void;
  /** `skipProblems`: upload the planned files, leaving out the items that could not be planned. */
  startUpload(skipProblems?: boolean): Promise<void>;
}

const NO_REVIEW: BucketReviewState = {
  status: 'idle',
  key: '',
  summary: null,
  error: null,
  replace: REPLACE_NONE,
};
const EMPTY_PLAN: PlanState = {
  paths: [],
  status: 'idle',
  summary: null,
  error: null,
  acceptWarnings: false,
  waiting: [],
  bucket: NO_REVIEW,
  renames: null,
};
const REPLAN_DELAY_MS = 300;
/** A target being typed is compared with the bucket once the typing stops. */
const REVIEW_DELAY_MS = 300;

/** The review the window should show now ('' for none: no plan ready, or no valid target). */
function wantedReview(s: AppState): string {
  const { summary, status } = s.plan;
  if (status !== 'ready' || !summary || summary.fileCount === 0) return '';
  // The replan for the new folder is on its way (see planFitsPrefix).
  if (!planFitsPrefix(summary, s.target.prefix)) return '';
  return reviewKey(summary.planId, validateTarget(s.target).target, s.savedTargetId);
}

export const createPlanSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], PlanSlice> =>
  (set, get, store) => {
    // The bucket review follows the plan and the target form, whichever
    // changed (a drop, a replan, a typed bucket, a saved target chosen).
    let reviewTimer: ReturnType<typeof setTimeout> | null = null;
    const setReview = (bucket: BucketReviewState) => set((s) => ({ plan: { ...s.plan, bucket } }));
    const review = async (key: string) => {
      const s = get();
      const { target } = validateTarget(s.target);
      if (s.plan.bucket.key !== key || !s.plan.summary || !target) return;
      const answer = await api.reviewUpload(s.plan.summary.planId, target, s.savedTargetId);
      const now = get().plan.bucket;
      if (now.key !== key) return; // edited meanwhile: a newer review is on its way
      setReview(
        answer.ok
          ? { ...now, status: 'done', summary: answer.value, error: null }
          : { ...now, status: 'failed', summary: null, error: answer.error },
      );
    };
    // Worked out again only when what it depends on changed: not for every progress batch.
    let seen: unknown[] = [];
    store.subscribe((s) => {
      const inputs = [s.plan.summary, s.plan.status, s.target, s.savedTargetId];
      if (inputs.every((input, i) => input === seen[i])) return;
      seen = inputs;
      // Adding: main uses the review as it stands (or makes its own).
      if (s.plan.status === 'adding') return;
      const key = wantedReview(s);
      if (key === s.plan.bucket.key) return;
      if (reviewTimer) clearTimeout(reviewTimer);
      reviewTimer = null;
      if (key === '') {
        setReview(NO_REVIEW);
        return;
      }
      setReview({ ...NO_REVIEW, status: 'reviewing', key });
      reviewTimer = setTimeout(() => {
        reviewTimer = null;
        void review(key);
      }, REVIEW_DELAY_MS);
    });

    // The warnings follow the saved target's submission profile: when the form
    // shows another saved target than the one the plan's warnings were made
    // for, main makes them again (see warningsShown).
    let warningsAsked = '';
    const refreshWarnings = async (planId: string, savedTargetId: string | null) => {
      const answer = await api.planWarnings(planId, savedTargetId);
      const s = get();
      const before = s.plan.summary;
      if (s.plan.status !== 'ready' || before?.planId !== planId) return;
      if (s.savedTargetId !== savedTargetId) return; // changed meanwhile: asked again
      if (!answer.ok) {
        if (answer.error.code === 'UnknownPlan') void plan(s.plan.paths, answer.error);
        else set((t) => ({ plan: { ...t.plan, error: answer.error } }));
        return;
      }
      const after = answer.value;
      set((t) => ({
        plan: {
          ...t.plan,
          summary: after,
          // A confirmation stands only for the warnings the user saw.
          acceptWarnings: t.plan.acceptWarnings && sameWarnings(before, after),
        },
      }));
    };
    store.subscribe((s) => {
      const { summary, status } = s.plan;
      if (status !== 'ready' || !summary || warningsShown(summary, s.savedTargetId)) return;
      const asked = JSON.stringify([summary.planId, s.savedTargetId]);
      if (asked === warningsAsked) return;
      warningsAsked = asked;
      void refreshWarnings(summary.planId, s.savedTargetId);
    });

    let generation = 0;
    /** The generation the user put away with discardPlan (nothing planned since). */
    let discardedAt = -1;
    let replanTimer: ReturnType<typeof setTimeout> | null = null;

    /** `error`: shown with the new plan (why the add before it failed). */
    const plan = async (paths: string[], error: IpcError | null = null) => {
      const mine = ++generation;
      set((s) => ({
        plan: {
          ...s.plan,
          paths,
          status: 'planning',
          error,
          acceptWarnings: false,
          renames: null,
        },
      }));
      const answer = await api.planUpload(paths, get().target.prefix, get().savedTargetId);
      if (mine !== generation) {
        // Put away while main was planning it: main hashes its files early.
        if (answer.ok && generation === discardedAt) void api.discardPlan(answer.value.planId);
        return; // else a newer plan replaced this one
      }
      set((s) => ({
        plan: answer.ok
          ? { ...s.plan, status: 'ready', summary: answer.value, error }
          : { ...s.plan, status: 'idle', summary: null, error: answer.error },
      }));
    };

    // One add at a time: while main adds the plan (its preflight can be slow),
    // nothing plans over it. New files wait and get a plan of their own after
    // the add, and a folder edit is planned for then; otherwise a second click
    // would add the first files again under a new plan id (main guards each
    // plan id only), and the add's end would throw the new drop away.
    const adding = () => get().plan.status === 'adding';

    return {
      plan: EMPTY_PLAN,
      addPaths: async (paths) => {
        if (paths.length === 0) return;
        if (adding()) {
          set((s) => ({
            plan: { ...s.plan, waiting: laterPaths(s.plan.paths, s.plan.waiting, paths) },
          }));
          return;
        }
        await plan(mergePaths(get().plan.paths, paths));
      },
      dropFiles: async (files) => {
        const { paths, withoutPath } = droppedPaths(files, api.pathForFile);
        if (withoutPath > 0) {
          const one = withoutPath === 1;
          get().notify(
            'error',
            `${withoutPath} dropped ${one ? 'item has' : 'items have'} no file on disk (dragged from a web page or an archive?). Save ${one ? 'it' : 'them'} to a folder first.`,
          );
        }
        await get().addPaths(paths);
      },
      chooseFiles: async (kind) => {
        const answer = await api.openFiles(kind);
        if (!answer.ok) get().notify('error', answer.error.message);
        else await get().addPaths(answer.value);
      },
      replanSoon: () => {
        if (replanTimer) clearTimeout(replanTimer);
        if (get().plan.paths.length === 0) return;
        replanTimer = setTimeout(() => {
          replanTimer = null;
          // The add's end plans for the folder the form then shows (see startUpload).
          if (!adding()) void plan(get().plan.paths);
        }, REPLAN_DELAY_MS);
      },
      clearPlan: () => {
        generation++;
        if (replanTimer) clearTimeout(replanTimer);
        set({ plan: EMPTY_PLAN });
      },
      discardPlan: () => {
        if (adding()) {
          // Main has these files already; only the ones waiting are put away.
          set((s) => ({ plan: { ...s.plan, waiting: [] } }));
          return;
        }
        const planId = get().plan.summary?.planId;
        get().clearPlan();
        discardedAt = generation;
        if (planId) void api.discardPlan(planId);
      },
      setAcceptWarnings: (accept) => set((s) => ({ plan: { ...s.plan, acceptWarnings: accept } })),
      renameForSynapse: async () => {
        const { summary, status } = get().plan;
        if (!summary || status !== 'ready') return;
        const mine = generation;
        set((s) => ({ plan: { ...s.plan, status: 'renaming', error: null } }));
        const answer = await api.renameForSynapse(summary.planId, get().savedTargetId);
        if (mine !== generation) {
          // Planned again or put away meanwhile: main need not keep the renamed plan.
          if (answer.ok) void api.discardPlan(answer.value.summary.planId);
          return;
        }
        if (!answer.ok) {
          set((s) => ({ plan: { ...s.plan, status: 'ready', error: answer.error } }));
          if (answer.error.code === 'UnknownPlan') await plan(get().plan.paths, answer.error);
          return;
        }
        const { summary: renamed, renames, renameCount } = answer.value;
        set((s) => ({
          plan: {
            ...s.plan,
            status: 'ready',
            // New keys, new warnings: confirmed anew. The bucket review follows the new plan id.
            summary: renamed,
            acceptWarnings: false,
            renames: { list: renames, count: renameCount },
          },
        }));
      },
      setReplace: (key, on) => {
        const { bucket } = get().plan;
        if (!bucket.summary) return;
        setReview({ ...bucket, replace: toggleReplace(bucket.replace, key, on, bucket.summary) });
      },
      setReplaceAll: (on) =>
        setReview({ ...get().plan.bucket, replace: on ? 'all' : REPLACE_NONE }),
      startUpload: async (skipProblems = false) => {
        const { plan: current, target: form } = get();
        const { target } = validateTarget(form);
        if (!current.summary || current.status !== 'ready') return;
        // The replan for the new folder is on its way (see planFitsPrefix).
        if (!planFitsPrefix(current.summary, form.prefix)) return;
        // The warnings for the saved target chosen are on their way.
        if (!warningsShown(current.summary, get().savedTargetId)) return;
        if (!target) {
          set((s) => ({
            plan: {
              ...s.plan,
              error: { code: 'TargetIncomplete', message: 'Fill in the target above first.' },
            },
          }));
          return;
        }
        if (current.summary.warningCount > 0 && !current.acceptWarnings) {
          set((s) => ({
            plan: {
              ...s.plan,
              error: {
                code: 'WarningsNotAccepted',
                message: 'Review the warnings and tick “Upload anyway”, or change the folder.',
              },
            },
          }));
          return;
        }
        // What the user chose to overwrite, in the review of this very target.
        const { bucket } = current;
        const savedTargetId = get().savedTargetId;
        const reviewed =
          bucket.status === 'done' &&
          bucket.key === reviewKey(current.summary.planId, target, savedTargetId);
        const choice = reviewed ? bucket.replace : REPLACE_NONE;
        set((s) => ({ plan: { ...s.plan, status: 'adding', error: null } }));
        const answer = await api.addUploads(
          current.summary.planId,
          target,
          current.acceptWarnings,
          savedTargetId,
          skipProblems,
          choice === 'all' ? 'all' : [...choice],
        );
        const { waiting } = get().plan;
        if (answer.ok) {
          get().clearPlan();
          get().mergeQueue(answer.value);
          get().notify('success', addedMessage(answer.value));
          if (waiting.length > 0) await plan(waiting);
          return;
        }
        set((s) => ({ plan: { ...s.plan, status: 'ready', waiting: [], error: answer.error } }));
        // Main found warnings the user did not see (a profile changed): shown, to confirm again.
        if (answer.error.code === 'WarningsChanged') {
          await refreshWarnings(current.summary.planId, savedTargetId);
        }
        const stale =
          answer.error.code === 'UnknownPlan' ||
          waiting.length > 0 ||
          !planFitsPrefix(current.summary, get().target.prefix);
        if (stale) await plan(mergePaths(current.paths, waiting), answer.error);
      },
    };
  };
