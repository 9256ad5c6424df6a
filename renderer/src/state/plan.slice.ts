import type { StateCreator } from 'zustand/vanilla';
import type { FileLike, IpcError, LabdropApi, PlanSummary } from '../../../shared/ipc';
import { droppedPaths, laterPaths, mergePaths } from './drop.logic';
import { planFitsPrefix } from './plan.logic';
import type { AppState } from './store';
import { validateTarget } from './target.logic';

export interface PlanState {
  /** What the user dropped or chose, not yet uploading. */
  paths: string[];
  status: 'idle' | 'planning' | 'ready' | 'adding';
  summary: PlanSummary | null;
  error: IpcError | null;
  /** The user confirmed uploading despite the plan's warnings. */
  acceptWarnings: boolean;
  /** Dropped or chosen while the plan was being added: planned on their own afterwards. */
  waiting: string[];
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
  /** `skipProblems`: upload the planned files, leaving out the items that could not be planned. */
  startUpload(skipProblems?: boolean): Promise<void>;
}

const EMPTY_PLAN: PlanState = {
  paths: [],
  status: 'idle',
  summary: null,
  error: null,
  acceptWarnings: false,
  waiting: [],
};
const REPLAN_DELAY_MS = 300;

export const createPlanSlice =
  (api: LabdropApi): StateCreator<AppState, [], [], PlanSlice> =>
  (set, get) => {
    let generation = 0;
    /** The generation the user put away with discardPlan (nothing planned since). */
    let discardedAt = -1;
    let replanTimer: ReturnType<typeof setTimeout> | null = null;

    /** `error`: shown with the new plan (why the add before it failed). */
    const plan = async (paths: string[], error: IpcError | null = null) => {
      const mine = ++generation;
      set((s) => ({
        plan: { ...s.plan, paths, status: 'planning', error, acceptWarnings: false },
      }));
      const answer = await api.planUpload(paths, get().target.prefix);
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
      startUpload: async (skipProblems = false) => {
        const { plan: current, target: form } = get();
        const { target } = validateTarget(form);
        if (!current.summary || current.status !== 'ready') return;
        // The replan for the new folder is on its way (see planFitsPrefix).
        if (!planFitsPrefix(current.summary, form.prefix)) return;
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
        set((s) => ({ plan: { ...s.plan, status: 'adding', error: null } }));
        const answer = await api.addUploads(
          current.summary.planId,
          target,
          current.acceptWarnings,
          get().savedTargetId,
          skipProblems,
        );
        const { waiting } = get().plan;
        if (answer.ok) {
          const count = answer.value.length;
          get().clearPlan();
          get().mergeQueue(answer.value);
          get().notify('success', `Added ${count} ${count === 1 ? 'file' : 'files'} to the queue.`);
          if (waiting.length > 0) await plan(waiting);
          return;
        }
        set((s) => ({ plan: { ...s.plan, status: 'ready', waiting: [], error: answer.error } }));
        const stale =
          answer.error.code === 'UnknownPlan' ||
          waiting.length > 0 ||
          !planFitsPrefix(current.summary, get().target.prefix);
        if (stale) await plan(mergePaths(current.paths, waiting), answer.error);
      },
    };
  };
