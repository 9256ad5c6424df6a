import type { PlanSummary } from '../../../shared/ipc';
import { normalizePrefix } from '../../../shared/keys';

/**
 * Whether the reviewed plan is for the folder the form shows now. Main builds
 * the keys from the prefix it planned with, and remembers that prefix as the
 * last target: after the folder changes, the plan on screen is stale until the
 * replan for the new folder is ready, and must not be added.
 */
export function planFitsPrefix(summary: PlanSummary, prefix: string): boolean {
  return normalizePrefix(summary.prefix) === normalizePrefix(prefix);
}
