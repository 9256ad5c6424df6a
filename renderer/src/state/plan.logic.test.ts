import { describe, expect, it } from 'vitest';
import type { PlanSummary } from '../../../shared/ipc';
import type { KeyWarning } from '../../../shared/keys';
import {
  planFitsPrefix,
  renameLabel,
  renameText,
  sameWarnings,
  warningsShown,
  warningTitle,
} from './plan.logic';

const planned = (prefix: string): PlanSummary => ({
  planId: 'plan-1',
  prefix,
  fileCount: 1,
  totalBytes: 1,
  files: [],
  problems: [],
  warnings: [],
  warningCount: 0,
  warningsFor: null,
  synapseNames: 0,
});

const warning = (code: KeyWarning['code'], key: string): KeyWarning => ({
  code,
  key,
  message: `${code}: ${key}`,
});
const warned = (warnings: KeyWarning[], warningCount = warnings.length): PlanSummary => ({
  ...planned('center'),
  warnings,
  warningCount,
});

describe('plan logic', () => {
  it('knows a plan is stale once the folder changes, not when only its slashes do', () => {
    expect(planFitsPrefix(planned('center'), '/center/')).toBe(true);
    expect(planFitsPrefix(planned(''), '')).toBe(true);
    expect(planFitsPrefix(planned('center'), 'center/run-2')).toBe(false);
    expect(planFitsPrefix(planned('center'), '')).toBe(false);
  });

  it('takes the warnings as shown only when made for the saved target the form shows', () => {
    expect(warningsShown(planned('center'), null)).toBe(true);
    expect(warningsShown(planned('center'), 't-1')).toBe(false);
    expect(warningsShown({ ...planned('center'), warningsFor: 't-1' }, 't-1')).toBe(true);
    expect(warningsShown({ ...planned('center'), warningsFor: 't-1' }, null)).toBe(false);
  });

  it('keeps a confirmation only for the very warnings confirmed', () => {
    const root = warning('bucket-root', 'a');
    const outside = warning('unsynced-folder', 'raw/a');
    expect(sameWarnings(warned([root, outside]), warned([outside, root]))).toBe(true);
    expect(sameWarnings(warned([]), warned([]))).toBe(true);
    expect(sameWarnings(warned([root]), warned([root, outside]))).toBe(false);
    expect(sameWarnings(warned([root]), warned([outside]))).toBe(false);
    expect(sameWarnings(warned([root]), warned([{ ...root, message: 'other words' }]))).toBe(false);
    // Beyond the listed ones nothing can be compared: confirmed again.
    expect(sameWarnings(warned([root], 5), warned([root], 5))).toBe(false);
  });

  it('offers to rename the keys Synapse refuses, and lists each rename', () => {
    expect(renameLabel(planned('center'))).toBeNull();
    expect(renameLabel({ ...planned('center'), synapseNames: 1 })).toBe('Rename 1 key for Synapse');
    expect(renameLabel({ ...planned('center'), synapseNames: 1200 })).toBe(
      'Rename 1,200 keys for Synapse',
    );
    expect(renameText({ from: 'café/résumé.txt', to: 'cafe/resume.txt' })).toBe(
      'café/résumé.txt → cafe/resume.txt',
    );
  });

  it("heads the warnings with the sync job only when they are all the sync job's", () => {
    const root = warning('bucket-root', 'a');
    const digit = warning('leading-digit', 'a');
    const device = warning('windows-name', 'center/aux.txt');
    expect(warningTitle(warned([root, digit]))).toBe("The center's sync job will skip this key:");
    expect(warningTitle(warned([root, warning('bucket-root', 'b')]))).toBe(
      "The center's sync job will skip these 2 keys:",
    );
    expect(warningTitle(warned([root], 7))).toBe(
      "The center's sync job will skip some of these keys (7 warnings):",
    );
    expect(warningTitle(warned([device]))).toBe('Check this key before uploading:');
    expect(warningTitle(warned([root, device]))).toBe('Check these 2 keys before uploading:');
    expect(warningTitle(warned([device], 3))).toBe(
      'Check these keys before uploading (3 warnings):',
    );
  });
});
