import { describe, expect, it } from 'vitest';
import type { UploadRecord } from '../../../shared/types';
import { countLine, grantIds, historyFilter, recordDetails } from './history.logic';

const A = 'd9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440';
const B = 'eab4436941f355ce866fcf7944db42020c385ad1f19df8a95704dc4d7552fa06';

const record: UploadRecord = {
  id: 'u1',
  localPath: '/data/run/reads.fastq',
  size: 10_485_760,
  mtimeMs: 0,
  bucket: 'lab-bucket',
  key: 'center/reads.fastq',
  endpoint: null,
  region: 'us-east-1',
  awsProfile: null,
  submissionProfile: 'center',
  synapseId: null,
  grants: `id=${A}, id=${B}`,
  partSize: 8 * 1024 * 1024,
  uploadId: null,
  partChecksum: null,
  bucketCheck: null,
  encryption: null,
  accelerate: false,
  crc32Base64: null,
  md5Hex: '9e107d9d372bb6826bd81d3542a419d6',
  md5Base64: 'nhB9nTcrtoJr2B01QqQZ1g==',
  status: 'done',
  requested: null,
  verification: 'read-back',
  serverCheck: 'crc32',
  etag: '"abc-2"',
  versionId: null,
  bytesUploaded: 10_485_760,
  attempts: 1,
  lastError: null,
  createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  startedAt: 1_000,
  finishedAt: 6_000,
};

describe('history logic', () => {
  it('lists the grantees of a grant header', () => {
    expect(grantIds(record.grants)).toEqual([A, B]);
    expect(grantIds('')).toEqual([]);
  });

  it('shows what a technician checks: both MD5 forms, object, ETag, grants, timings', () => {
    const lines = recordDetails(record);
    const byLabel = Object.fromEntries(lines.filter((l) => l.label).map((l) => [l.label, l.value]));
    expect(byLabel).toMatchObject({
      Object: 's3://lab-bucket/center/reads.fastq',
      'MD5 (hex)': record.md5Hex,
      'MD5 (base64, content-md5)': record.md5Base64,
      ETag: '"abc-2"',
      'Full control granted to': A,
      Endpoint: 'Amazon S3',
      'AWS profile': 'default credentials',
      Duration: '5s (2.00 MiB/s on average)',
    });
    expect(lines.map((l) => l.value)).toContain(B);
    expect(byLabel['Synapse folder']).toBeUndefined();
    const labelled = recordDetails({ ...record, synapseId: 'syn123' });
    expect(labelled.find((l) => l.label === 'Synapse folder')?.value).toBe('syn123');
  });

  it('asks main for what the filters say', () => {
    expect(historyFilter('  reads ', 'failed')).toEqual({ search: 'reads', status: 'failed' });
    expect(historyFilter('', 'all')).toEqual({});
  });

  it('says how many uploads there are, match, or at least match', () => {
    expect(countLine({ count: 1_000_000, exact: true }, 500, false)).toBe('1,000,000 uploads');
    expect(countLine({ count: 1, exact: true }, 1, false)).toBe('1 upload');
    expect(countLine({ count: 12_345, exact: true }, 500, true)).toBe('12,345 uploads match');
    expect(countLine({ count: 10_000, exact: false }, 500, true)).toBe(
      'More than 10,000 uploads match',
    );
    // Before the first answer: what is loaded.
    expect(countLine(null, 0, false)).toBe('0 uploads');
  });
});
