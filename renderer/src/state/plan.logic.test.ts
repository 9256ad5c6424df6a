import { describe, expect, it } from 'vitest';
import type { PlanSummary } from '../../../shared/ipc';
import { planFitsPrefix } from './plan.logic';

const planned = (prefix: string): PlanSummary => ({
  planId: 'plan-1',
  prefix,
  fileCount: 1,
  totalBytes: 1,
  files: [],
  problems: [],
  warnings: [],
  warningCount: 0,
});

describe('plan logic', () => {
  it('knows a plan is stale once the folder changes, not when only its slashes do', () => {
    expect(planFitsPrefix(planned('center'), '/center/')).toBe(true);
    expect(planFitsPrefix(planned(''), '')).toBe(true);
    expect(planFitsPrefix(planned('center'), 'center/run-2')).toBe(false);
    expect(planFitsPrefix(planned('center'), '')).toBe(false);
  });
});
