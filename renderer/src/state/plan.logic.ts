import type { PlanSummary, RenamedKey } from '../../../shared/ipc';
import { normalizePrefix, type KeyWarning } from '../../../shared/keys';

/**
 * Whether the reviewed plan is for the folder the form shows now. Main builds
 * the keys from the prefix it planned with, and remembers that prefix as the
 * last target: after the folder changes, the plan on screen is stale until the
 * replan for the new folder is ready, and must not be added.
 */
export function planFitsPrefix(summary: PlanSummary, prefix: string): boolean {
  return normalizePrefix(summary.prefix) === normalizePrefix(prefix);
}

/**
 * Whether the plan's warnings are the ones for the saved target the form
 * shows (its submission profile's synced folders): only those may be
 * accepted, as main enforces them on the add (see the note on the warnings
 * the user saw in electron/ipc/handlers.ts).
 */
export function warningsShown(summary: PlanSummary, savedTargetId: string | null): boolean {
  return (summary.warningsFor ?? null) === savedTargetId;
}

/**
 * Whether a confirmation of `before`'s warnings stands for `after`'s: only
 * when they are the same warnings (another saved target with the same rules,
 * say), never when one was added.
 */
export function sameWarnings(before: PlanSummary, after: PlanSummary): boolean {
  // Warnings beyond the listed ones cannot be compared: confirmed again.
  const whole = (p: PlanSummary) => p.warnings.length === p.warningCount;
  if (before.warningCount !== after.warningCount || !whole(before) || !whole(after)) return false;
  const text = (w: KeyWarning) => `${w.code}\0${w.key}\0${w.message}`;
  const seen = new Set(before.warnings.map(text));
  return after.warnings.every((w) => seen.has(text(w)));
}

/** The button that renames the keys Synapse refuses, or null when there are none. */
export function renameLabel(summary: PlanSummary): string | null {
  const n = summary.synapseNames;
  if (n === 0) return null;
  return `Rename ${n.toLocaleString('en-US')} ${n === 1 ? 'key' : 'keys'} for Synapse`;
}

/** One rename as the review lists it: "café/résumé.txt → cafe/resume.txt". */
export function renameText({ from, to }: RenamedKey): string {
  return `${from} → ${to}`;
}

/**
 * The heading over the plan's warnings. Most are about the center's sync
 * job; a name Windows cannot hold is not, and then the heading says less.
 */
export function warningTitle(summary: PlanSummary): string {
  const { warnings, warningCount } = summary;
  const distinct = new Set(warnings.map((w) => w.key)).size;
  const these = distinct === 1 ? 'this key' : `these ${distinct} keys`;
  if (warnings.some((w) => w.code === 'windows-name')) {
    return warningCount > warnings.length
      ? `Check these keys before uploading (${warningCount} warnings):`
      : `Check ${these} before uploading:`;
  }
  return warningCount > warnings.length
    ? `The center's sync job will skip some of these keys (${warningCount} warnings):`
    : `The center's sync job will skip ${these}:`;
}
