import { formatBytes, formatDuration, formatSpeed } from '../../../shared/format';
import type { HistoryFilter } from '../../../shared/ipc';
import type { HistoryTotal, UploadRecord, UploadStatus } from '../../../shared/types';
import { describeChecks, describeSkip } from '../../../shared/verification';

export type StatusFilter = UploadStatus | 'all';

export const STATUS_FILTERS: ReadonlyArray<{ value: StatusFilter; label: string }> = [
  { value: 'all', label: 'All statuses' },
  { value: 'done', label: 'Done' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'paused', label: 'Paused' },
  { value: 'uploading', label: 'Uploading' },
  { value: 'hashing', label: 'Hashing' },
  { value: 'verifying', label: 'Verifying' },
  { value: 'waiting', label: 'Waiting for network' },
  { value: 'queued', label: 'Queued' },
];

/** What main is asked for: the uploads the search box and status filter select. */
export function historyFilter(search: string, status: StatusFilter): HistoryFilter {
  const text = search.trim();
  return {
    ...(text ? { search: text } : {}),
    ...(status === 'all' ? {} : { status }),
  };
}

/** Rows from the end of those loaded at which the view asks for the next page (a few screens). */
export const LOAD_MORE_WITHIN = 100;

/**
 * The line above the history: how many uploads there are, or match the
 * filters. Main counts a common search only up to a cap (countHistory),
 * and then says there are more.
 */
export function countLine(total: HistoryTotal | null, loaded: number, filtered: boolean): string {
  const count = total?.count ?? loaded;
  const uploads = `${count.toLocaleString('en-US')} ${count === 1 ? 'upload' : 'uploads'}`;
  if (total && !total.exact) return `More than ${uploads} match`;
  return filtered ? `${uploads} match` : uploads;
}

/** The canonical IDs in an `x-amz-grant-full-control` value ("id=…, id=…"). */
export function grantIds(grants: string): string[] {
  return grants
    .split(',')
    .map((part) => part.trim().replace(/^id=/, '').replace(/^"|"$/g, ''))
    .filter((id) => id !== '');
}

export function formatTime(ms: number | null): string {
  if (ms === null) return '–';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export interface DetailLine {
  label: string;
  value: string;
  /** Long machine values (hashes, IDs) are shown in a monospace font and can be copied. */
  code?: boolean;
}

/** A history row's details, in the order a lab technician checks them. */
export function recordDetails(r: UploadRecord): DetailLine[] {
  const seconds =
    r.startedAt !== null && r.finishedAt !== null ? (r.finishedAt - r.startedAt) / 1000 : null;
  const lines: DetailLine[] = [
    { label: 'Local file', value: r.localPath, code: true },
    { label: 'Object', value: `s3://${r.bucket}/${r.key}`, code: true },
    ...(r.synapseId ? [{ label: 'Synapse folder', value: r.synapseId, code: true }] : []),
    { label: 'Size', value: `${formatBytes(r.size)} (${r.size.toLocaleString('en-US')} bytes)` },
    { label: 'MD5 (hex)', value: r.md5Hex ?? '–', code: true },
    { label: 'MD5 (base64, content-md5)', value: r.md5Base64 ?? '–', code: true },
    { label: 'ETag', value: r.etag ?? '–', code: true },
  ];
  // Unversioned buckets report the version "null".
  if (r.versionId && r.versionId !== 'null')
    lines.push({ label: 'Version', value: r.versionId, code: true });
  lines.push(
    ...grantIds(r.grants).map((id, i) => ({
      label: i === 0 ? 'Full control granted to' : '',
      value: id,
      code: true,
    })),
    { label: 'Endpoint', value: r.endpoint ?? 'Amazon S3' },
    { label: 'Region', value: r.region },
    { label: 'AWS profile', value: r.awsProfile ?? 'default credentials' },
    { label: 'Submission profile', value: r.submissionProfile },
    { label: 'Part size', value: formatBytes(r.partSize) },
    { label: 'Attempts', value: String(r.attempts) },
    { label: 'Added', value: formatTime(r.createdAt) },
    { label: 'Started', value: formatTime(r.startedAt) },
    { label: 'Finished', value: formatTime(r.finishedAt) },
  );
  const checks = describeSkip(r) ?? describeChecks(r);
  if (checks) lines.push({ label: r.status === 'skipped' ? 'Skipped' : 'Checks', value: checks });
  if (seconds !== null && seconds > 0) {
    lines.push({
      label: 'Duration',
      value: `${formatDuration(seconds)} (${formatSpeed(r.bytesUploaded / seconds)} on average)`,
    });
  }
  return lines;
}
