/**
 * How long the batch has left, from a smoothed rate rather than this
 * instant's speed: a batch of 300 small files spends much of its time between
 * files (hashing, requests, verifying), and its first second says little. So
 * the estimate follows two exponentially weighted moving averages over wall
 * time, bytes per second and files per second (the per-file overhead), and
 * says nothing until they have seen enough to be stable.
 */
export interface EtaEstimate {
  /** When the last observation was made (ms); null before the first. */
  at: number | null;
  bytes: number;
  files: number;
  /** Smoothed bytes per second. */
  byteRate: number;
  /** Smoothed files finished per second. */
  fileRate: number;
  /** Since when uploads have been moving without a break (ms). */
  since: number | null;
  samples: number;
}

export const NO_ESTIMATE: EtaEstimate = {
  at: null,
  bytes: 0,
  files: 0,
  byteRate: 0,
  fileRate: 0,
  since: null,
  samples: 0,
};

/** How fast the averages forget: about the last ten seconds count. */
const TAU_MS = 10_000;
/** Silent until uploads have moved this long and been seen this often. */
const STABLE_AFTER_MS = 3_000;
const STABLE_SAMPLES = 5;

/**
 * One observation of the batch: bytes uploaded and files finished so far (of
 * the files not cancelled), at `now`. Nothing moving (all done, paused or
 * failed) starts the estimate over, as a resume is a new pace.
 */
export function observe(
  estimate: EtaEstimate,
  now: number,
  bytes: number,
  files: number,
  moving: boolean,
): EtaEstimate {
  if (!moving) return { ...NO_ESTIMATE };
  if (estimate.at === null || now <= estimate.at || bytes < estimate.bytes) {
    // The first look, or the batch changed under us (cleared, retried): start from here.
    return { ...NO_ESTIMATE, at: now, bytes, files, since: estimate.since ?? now };
  }
  const dt = now - estimate.at;
  const weight = 1 - Math.exp(-dt / TAU_MS);
  const byteRate = ((bytes - estimate.bytes) * 1000) / dt;
  const fileRate = (Math.max(0, files - estimate.files) * 1000) / dt;
  const first = estimate.samples === 0;
  return {
    at: now,
    bytes,
    files,
    byteRate: first ? byteRate : estimate.byteRate + weight * (byteRate - estimate.byteRate),
    fileRate: first ? fileRate : estimate.fileRate + weight * (fileRate - estimate.fileRate),
    since: estimate.since ?? now,
    samples: estimate.samples + 1,
  };
}

/**
 * Seconds left for `bytes` in `files` files as of the last observation, or
 * null while the estimate is not yet stable (or nothing moves). The slower of the two paces wins: bytes for
 * big files, files for many small ones.
 */
export function secondsLeft(estimate: EtaEstimate, bytes: number, files: number): number | null {
  if (estimate.since === null || estimate.at === null) return null;
  if (estimate.at - estimate.since < STABLE_AFTER_MS || estimate.samples < STABLE_SAMPLES)
    return null;
  if (estimate.byteRate <= 0) return null;
  const byBytes = bytes / estimate.byteRate;
  const byFiles = estimate.fileRate > 0 ? files / estimate.fileRate : 0;
  return Math.max(byBytes, byFiles);
}
