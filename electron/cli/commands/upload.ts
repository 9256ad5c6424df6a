import { createInterface } from 'node:readline/promises';
import { CENTER_PROFILE, type SubmissionProfile } from '../../../shared/profile';
import { formatBytes } from '../../../shared/format';
import type { KeyRules } from '../../../shared/keys';
import { MiB } from '../../../shared/parts';
import type { UploadRecord } from '../../../shared/types';
import { classifyError } from '../../engine/errors';
import type { HashPool } from '../../engine/hash-pool';
import type { Target } from '../../engine/queue';
import { regionFromEnv } from '../../engine/s3-client';
import type { BucketReview, FileReview } from '../../engine/bucket-review';
import { planUpload, renameForSynapse, type Plan } from '../../engine/scan';
import { Store } from '../../engine/store';
import { ProfileStore } from '../../services/profiles';
import { ServiceError } from '../../services/service-error';
import { TargetStore } from '../../services/targets';
import type { CommandOf } from '../args';
import { cliServices, err, EXIT, out } from '../io';
import { watch } from '../live-view';

/** `labdrop upload`: hashes, uploads and verifies, using `hasher` when given (see entry.ts). */
export async function upload(
  command: CommandOf<'upload'>,
  hasher: HashPool | undefined,
): Promise<number> {
  const store = Store.openDefault();
  // A saved target (--target) fills in what the flags leave out.
  const resolved = resolveUploadTarget(command, store);
  if ('problem' in resolved) {
    store.close();
    err(`labdrop: ${resolved.problem}`);
    return EXIT.usage;
  }
  const rules = { syncedFolders: resolved.submissionProfile.syncedFolders };
  const planned = await planUpload(command.paths, resolved.prefix, rules);
  const plan = command.renameForSynapse ? renamed(planned, rules) : planned;
  const refused = await confirmPlan(plan, command.yes);
  if (refused !== null) {
    store.close();
    return refused;
  }
  const target: Target = {
    bucket: resolved.bucket,
    endpoint: resolved.endpoint,
    region: resolved.region ?? regionFromEnv(),
    awsProfile: resolved.awsProfile ?? process.env.AWS_PROFILE ?? null,
    synapseId: resolved.synapseId,
    kms: resolved.kms,
    accelerate: resolved.accelerate,
  };
  const services = cliServices({
    store,
    hasher,
    profile: resolved.submissionProfile,
    partConcurrency: command.concurrency,
    partSize: command.partSizeMiB * MiB,
    maxRate: command.maxRate,
  });
  try {
    let records: UploadRecord[];
    try {
      const review = await services.queue.review(plan, target);
      if (!command.json) reportReview(plan, review, command.replace);
      records = await services.queue.add(plan, target, undefined, {
        review,
        replace: command.replace ? 'all' : new Set(),
      });
    } catch (error) {
      err(`labdrop: ${classifyError(error, target).message}`);
      err('Nothing was uploaded.');
      return EXIT.failed;
    }
    return await watch(
      services,
      records.map((r) => r.id),
      command.json,
    );
  } finally {
    await services.close();
  }
}

/** The plan with the keys Synapse refuses renamed (--rename-for-synapse), each rename said. */
function renamed(plan: Plan, rules: KeyRules): Plan {
  const { plan: next, renames } = renameForSynapse(plan, rules);
  for (const { from, to } of renames) err(`renamed for Synapse: ${from} → ${to}`);
  return next;
}

/** What the bucket already has, before anything is sent. */
function reportReview(plan: Plan, review: BucketReview, replace: boolean): void {
  const count = (kind: FileReview['kind']) => review.files.filter((f) => f.kind === kind);
  const toSend = plan.files
    .filter((_, i) => {
      const kind = review.files[i]?.kind;
      return kind === 'new' || (replace && kind === 'different');
    })
    .reduce((sum, f) => sum + f.size, 0);
  const different = count('different');
  const parts = [
    `${count('new').length} new`,
    `${count('identical').length} already in the bucket (skipped)`,
    `${different.length} different from the bucket's object${replace ? ' (replaced)' : ' (kept)'}`,
  ];
  const queued = count('queued').length;
  if (queued > 0) parts.push(`${queued} already in the queue`);
  out(`${parts.join(', ')}: ${formatBytes(toSend)} to send.`);
  if (review.note) out(review.note);
}

/** Refuses problems; asks (or needs --yes) before keys the sync job would skip. */
async function confirmPlan(plan: Plan, yes: boolean): Promise<number | null> {
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) err(`labdrop: ${problem}`);
    err('Nothing was uploaded.');
    return EXIT.usage;
  }
  if (plan.files.length === 0) {
    err('labdrop: there are no files to upload there. Nothing was uploaded.');
    return EXIT.usage;
  }
  if (plan.warnings.length === 0 || yes) {
    for (const warning of plan.warnings) err(`warning: ${warning.message}`);
    return null;
  }
  for (const warning of plan.warnings) err(`warning: ${warning.message}`);
  if (!process.stdin.isTTY) {
    err('Nothing was uploaded. Choose another --prefix, or re-run with --yes to upload anyway.');
    return EXIT.usage;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Ctrl-C stops the command (130), Ctrl-D answers no (2): readline rejects
  // both the same way unless it is told about Ctrl-C.
  const interrupt = new AbortController();
  rl.on('SIGINT', () => interrupt.abort());
  let answer: string | null = null;
  try {
    answer = await rl.question('Upload anyway? [y/N] ', { signal: interrupt.signal });
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    rl.close();
  }
  if (answer !== null && /^y(es)?$/i.test(answer.trim())) return null;
  // No answer leaves the cursor after the question.
  err(`${answer === null ? '\n' : ''}Nothing was uploaded.`);
  return interrupt.signal.aborted ? EXIT.interrupted : EXIT.usage;
}

interface UploadTarget {
  bucket: string;
  prefix: string;
  endpoint: string | null;
  region: string | null;
  awsProfile: string | null;
  synapseId: string | null;
  submissionProfile: SubmissionProfile;
  kms: boolean;
  accelerate: boolean;
}

/**
 * Where `labdrop upload` goes: the flags, with a saved target (--target)
 * filling in what they leave out. The target is marked as used.
 */
function resolveUploadTarget(
  command: CommandOf<'upload'>,
  store: Store,
): UploadTarget | { problem: string } {
  const profiles = new ProfileStore(store);
  if (!command.target) {
    return {
      bucket: command.bucket,
      prefix: command.prefix,
      endpoint: command.endpoint,
      region: command.region,
      awsProfile: command.profile,
      synapseId: null,
      submissionProfile: CENTER_PROFILE,
      kms: command.kms,
      accelerate: command.accelerate,
    };
  }
  try {
    const targets = new TargetStore(store, profiles);
    const saved = targets.require(command.target);
    targets.markUsed(saved.id);
    return {
      bucket: command.bucket || saved.bucket,
      prefix: command.prefix || saved.prefix,
      endpoint: command.endpoint ?? saved.endpoint,
      region: command.region ?? saved.region,
      awsProfile: command.profile ?? saved.awsProfile,
      synapseId: saved.synapseId,
      submissionProfile: profiles.require(saved.submissionProfile),
      kms: command.kms || saved.kms,
      accelerate: command.accelerate || saved.accelerate,
    };
  } catch (error) {
    if (error instanceof ServiceError) return { problem: error.message };
    throw error;
  }
}
