import { randomUUID } from 'node:crypto';
import { keyProblem, normalizePrefix } from '../../shared/keys';
import { CENTER_PROFILE_NAME } from '../../shared/profile';
import type { Store } from '../engine/store';
import type { ProfileStore } from './profiles';
import { accelerationProblem, type SavedTarget } from '../../shared/targets';
import { ServiceError } from './service-error';

export type { SavedTarget } from '../../shared/targets';

export interface TargetInput {
  /** Default: bucket/prefix. */
  name?: string | null;
  bucket: string;
  prefix?: string;
  endpoint?: string | null;
  region: string;
  awsProfile?: string | null;
  synapseId?: string | null;
  submissionProfile?: string;
  kms?: boolean;
  accelerate?: boolean;
}

interface TargetRow {
  id: string;
  name: string;
  bucket: string;
  prefix: string;
  endpoint: string | null;
  region: string;
  aws_profile: string | null;
  synapse_id: string | null;
  submission_profile: string;
  kms: number;
  accelerate: number;
  created_at: number;
  last_used_at: number | null;
}

/** S3's rules, loosened for old us-east-1 buckets (capitals, underscores), as the IPC contract has them. */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;
const REGION = /^[a-z0-9-]{2,32}$/;
const AWS_PROFILE = /^[A-Za-z0-9_.+@-]{1,128}$/;
const SYNAPSE_ID = /^syn\d{1,12}$/;
const NAME_MAX = 128;

/** Saved targets, in the state database next to the history (migration 2). */
export class TargetStore {
  constructor(
    private readonly store: Store,
    private readonly profiles: ProfileStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Most recently used first, then by name. */
  list(): SavedTarget[] {
    return this.store.withDatabase((db) =>
      (
        db
          .prepare('SELECT * FROM targets ORDER BY last_used_at IS NULL, last_used_at DESC, name')
          .all() as TargetRow[]
      ).map(fromRow),
    );
  }

  /** By id, or by name. */
  get(idOrName: string): SavedTarget | undefined {
    const row = this.store.withDatabase(
      (db) =>
        db.prepare('SELECT * FROM targets WHERE id = ? OR name = ?').get(idOrName, idOrName) as
          TargetRow | undefined,
    );
    return row && fromRow(row);
  }

  require(idOrName: string): SavedTarget {
    const target = this.get(idOrName);
    if (!target) {
      const names = this.list().map((t) => `"${t.name}"`);
      throw new ServiceError(
        'UnknownTarget',
        `There is no saved target "${idOrName}".${names.length ? ` Saved: ${names.join(', ')}.` : ' None are saved yet.'}`,
      );
    }
    return target;
  }

  add(input: TargetInput): SavedTarget {
    const clean = this.validate(input);
    const target: SavedTarget = {
      id: randomUUID(),
      ...clean,
      createdAt: this.now(),
      lastUsedAt: null,
    };
    this.assertNameFree(target.name, null);
    this.store.withDatabase((db) =>
      db
        .prepare(
          `INSERT INTO targets (id, name, bucket, prefix, endpoint, region, aws_profile, synapse_id,
             submission_profile, kms, accelerate, created_at, last_used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          target.id,
          target.name,
          target.bucket,
          target.prefix,
          target.endpoint,
          target.region,
          target.awsProfile,
          target.synapseId,
          target.submissionProfile,
          target.kms ? 1 : 0,
          target.accelerate ? 1 : 0,
          target.createdAt,
          target.lastUsedAt,
        ),
    );
    return target;
  }

  /** Changes a saved target; fields not given keep their value. */
  update(idOrName: string, patch: Partial<TargetInput>): SavedTarget {
    const current = this.require(idOrName);
    const clean = this.validate({
      name: patch.name === undefined ? current.name : patch.name,
      bucket: patch.bucket ?? current.bucket,
      prefix: patch.prefix ?? current.prefix,
      endpoint: patch.endpoint === undefined ? current.endpoint : patch.endpoint,
      region: patch.region ?? current.region,
      awsProfile: patch.awsProfile === undefined ? current.awsProfile : patch.awsProfile,
      synapseId: patch.synapseId === undefined ? current.synapseId : patch.synapseId,
      submissionProfile: patch.submissionProfile ?? current.submissionProfile,
      kms: patch.kms ?? current.kms,
      accelerate: patch.accelerate ?? current.accelerate,
    });
    this.assertNameFree(clean.name, current.id);
    this.store.withDatabase((db) =>
      db
        .prepare(
          `UPDATE targets SET name = ?, bucket = ?, prefix = ?, endpoint = ?, region = ?,
             aws_profile = ?, synapse_id = ?, submission_profile = ?, kms = ?, accelerate = ?
           WHERE id = ?`,
        )
        .run(
          clean.name,
          clean.bucket,
          clean.prefix,
          clean.endpoint,
          clean.region,
          clean.awsProfile,
          clean.synapseId,
          clean.submissionProfile,
          clean.kms ? 1 : 0,
          clean.accelerate ? 1 : 0,
          current.id,
        ),
    );
    return this.require(current.id);
  }

  remove(idOrName: string): boolean {
    const target = this.get(idOrName);
    if (!target) return false;
    return this.store.withDatabase(
      (db) => db.prepare('DELETE FROM targets WHERE id = ?').run(target.id).changes > 0,
    );
  }

  /** Records that a batch went there, so the picker offers it first. */
  markUsed(idOrName: string, at: number = this.now()): void {
    const target = this.require(idOrName);
    this.store.withDatabase((db) =>
      db.prepare('UPDATE targets SET last_used_at = ? WHERE id = ?').run(at, target.id),
    );
  }

  /**
   * The saved target an uploaded object belongs to: same bucket and endpoint,
   * longest folder that starts its key. Gives history rows their Synapse label.
   */
  findFor(object: { bucket: string; key: string; endpoint: string | null }): SavedTarget | null {
    let best: SavedTarget | null = null;
    for (const target of this.list()) {
      if (target.bucket !== object.bucket || target.endpoint !== object.endpoint) continue;
      if (!object.key.startsWith(target.prefix)) continue;
      if (!best || target.prefix.length > best.prefix.length) best = target;
    }
    return best;
  }

  private assertNameFree(name: string, ownId: string | null): void {
    const other = this.get(name);
    if (other && other.id !== ownId) {
      throw new ServiceError(
        'TargetExists',
        `A saved target is already called "${name}"; choose another name.`,
      );
    }
  }

  private validate(input: TargetInput): Omit<SavedTarget, 'id' | 'createdAt' | 'lastUsedAt'> {
    const problems: string[] = [];
    const bucket = input.bucket.trim();
    if (!BUCKET.test(bucket)) {
      problems.push(
        `"${bucket}" is not a bucket name: 3 to 63 letters, digits, dots or hyphens, starting and ending with a letter or digit.`,
      );
    }
    const prefix = normalizePrefix(input.prefix ?? '');
    const prefixProblem = prefix ? keyProblem(`${prefix}x`) : null;
    if (prefixProblem) problems.push(prefixProblem.replace(`${prefix}x`, prefix));
    let endpoint = input.endpoint?.trim() || null;
    if (endpoint !== null) {
      try {
        const url = new URL(endpoint);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
        endpoint = endpoint.replace(/\/+$/, '');
      } catch {
        problems.push(
          `"${endpoint}" is not an endpoint address; it looks like https://s3.example.org.`,
        );
      }
    }
    const region = input.region.trim();
    if (!REGION.test(region))
      problems.push(`"${region}" is not a region; it looks like us-east-1.`);
    const awsProfile = input.awsProfile?.trim() || null;
    if (awsProfile !== null && !AWS_PROFILE.test(awsProfile)) {
      problems.push(`"${awsProfile}" is not a profile name: letters, digits and _ . + @ -.`);
    }
    const synapseId = input.synapseId?.trim().toLowerCase() || null;
    if (synapseId !== null && !SYNAPSE_ID.test(synapseId)) {
      problems.push(
        `"${input.synapseId?.trim()}" is not a Synapse ID: it is "syn" followed by digits, e.g. syn12345678.`,
      );
    }
    const submissionProfile = input.submissionProfile?.trim() || CENTER_PROFILE_NAME;
    if (!this.profiles.get(submissionProfile)) {
      problems.push(`There is no submission profile "${submissionProfile}".`);
    }
    const name = (input.name?.trim() || `${bucket}/${prefix}`.replace(/\/$/, '')).slice(
      0,
      NAME_MAX,
    );
    const accelerate = input.accelerate ?? false;
    const cannotAccelerate = accelerate ? accelerationProblem({ endpoint, bucket }) : null;
    if (cannotAccelerate) problems.push(cannotAccelerate);
    if (problems.length > 0) throw new ServiceError('BadTarget', problems.join('\n'));
    return {
      name,
      bucket,
      prefix,
      endpoint,
      region,
      awsProfile,
      synapseId,
      submissionProfile,
      kms: input.kms ?? false,
      accelerate,
    };
  }
}

function fromRow(row: TargetRow): SavedTarget {
  return {
    id: row.id,
    name: row.name,
    bucket: row.bucket,
    prefix: row.prefix,
    endpoint: row.endpoint,
    region: row.region,
    awsProfile: row.aws_profile,
    synapseId: row.synapse_id,
    submissionProfile: row.submission_profile,
    kms: row.kms === 1,
    accelerate: row.accelerate === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
