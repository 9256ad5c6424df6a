/**
 * Submission profiles: who gets full control of every object, and the
 * `content-md5` metadata rule. The center's preset is the default.
 */
export interface SubmissionProfile {
  name: string;
  /** Canonical user IDs granted FULL_CONTROL on every object (64 hex characters each). */
  fullControlIds: string[];
  /** User-metadata key that carries base64(raw MD5) of the whole file. */
  md5MetadataKey: string;
}

export const CENTER_PROFILE: SubmissionProfile = {
  name: 'center',
  fullControlIds: [
    'd9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440',
    'eab4436941f355ce866fcf7944db42020c385ad1f19df8a95704dc4d7552fa06',
  ],
  md5MetadataKey: 'content-md5',
};

const CANONICAL_ID = /^[0-9a-f]{64}$/;

export function validateProfile(profile: SubmissionProfile): string[] {
  const problems: string[] = [];
  if (profile.fullControlIds.length === 0) {
    problems.push(`Profile "${profile.name}" grants full control to nobody; add a canonical ID.`);
  }
  for (const id of profile.fullControlIds) {
    if (!CANONICAL_ID.test(id)) {
      problems.push(
        `"${id}" is not a canonical user ID: it must be 64 lowercase hexadecimal characters.`,
      );
    }
  }
  if (!/^[a-z0-9-]+$/.test(profile.md5MetadataKey)) {
    problems.push(`"${profile.md5MetadataKey}" is not a valid metadata key.`);
  }
  return problems;
}

/** The `x-amz-grant-full-control` value: what `aws s3 cp --grants full=id=…,id=…` sends. */
export function grantFullControlHeader(profile: SubmissionProfile): string {
  return profile.fullControlIds.map((id) => `id=${id}`).join(', ');
}
