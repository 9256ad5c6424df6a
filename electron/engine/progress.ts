import { isActive } from '../../shared/lifecycle';
import type { UploadProgress, UploadRecord } from '../../shared/types';
import { skipReason } from '../../shared/verification';

const SPEED_WINDOW_MS = 5_000;
/** An upload shows as held back by the bandwidth limit this long after its last wait for it. */
const HELD_SHOWN_MS = 1_000;

/** What a running upload knows beyond its record: bytes in flight and read, and recent speed. */
export interface LiveCounts {
  /** Bytes of parts confirmed by S3. */
  confirmedBytes: number;
  /** Bytes read so far for each request in flight, by part number. */
  inflight: Map<number, number>;
  hashedBytes: number;
  samples: Array<{ at: number; bytes: number }>;
  /** When a body last waited for the bandwidth limit, and the limit then. */
  held: { at: number; rate: number | null } | null;
}

/** Counts for a run that starts with what the last run had sent, until S3's list of parts says. */
export function liveCounts(confirmedBytes: number): LiveCounts {
  return { confirmedBytes, inflight: new Map(), hashedBytes: 0, samples: [], held: null };
}

/**
 * One upload as the window and the command line show it: its record, with
 * the live counts of the job running it in this process, if any. The one
 * projection of an upload's progress.
 */
export function projectProgress(record: UploadRecord, live?: LiveCounts, now = 0): UploadProgress {
  let uploadedBytes = record.status === 'done' ? record.size : record.bytesUploaded;
  let speed = 0;
  let heldTo: number | null = null;
  if (live) {
    if (live.held && now - live.held.at <= HELD_SHOWN_MS) heldTo = live.held.rate;
    uploadedBytes = live.confirmedBytes;
    for (const bytes of live.inflight.values()) uploadedBytes += bytes;
    speed = sampleSpeed(live, uploadedBytes, now);
  }
  return {
    id: record.id,
    localPath: record.localPath,
    bucket: record.bucket,
    key: record.key,
    size: record.size,
    status: record.status,
    hashedBytes: record.md5Base64 ? record.size : (live?.hashedBytes ?? 0),
    uploadedBytes: Math.min(uploadedBytes, record.size),
    speed,
    heldTo: record.status === 'uploading' ? heldTo : null,
    error: record.lastError,
    skipped: skipReason(record),
  };
}

/**
 * A record no job of this process runs. One left active by a crash or by
 * another process is not moving here: it shows paused, and Resume picks it up.
 */
export function recordProgress(record: UploadRecord): UploadProgress {
  const progress = projectProgress(record);
  return isActive(record.status) ? { ...progress, status: 'paused' } : progress;
}

function sampleSpeed(live: LiveCounts, bytes: number, now: number): number {
  live.samples.push({ at: now, bytes });
  while (live.samples.length > 2 && (live.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS) {
    live.samples.shift();
  }
  const first = live.samples[0];
  if (!first || now - first.at < 200) return 0;
  return Math.max(0, ((bytes - first.bytes) * 1000) / (now - first.at));
}
