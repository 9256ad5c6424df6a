import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyBuilder, keyProblem, keyWarnings, normalizePrefix } from '../shared/keys';
import { hexToBase64Md5, isBase64Md5 } from '../shared/md5';
import {
  GiB,
  MAX_PARTS,
  MiB,
  SINGLE_PUT_MAX,
  choosePartSize,
  partCount,
  partRange,
} from '../shared/parts';
import { CENTER_PROFILE, grantFullControlHeader, validateProfile } from '../shared/profile';

describe('part size', () => {
  it('uses 8 MiB parts for ordinary files', () => {
    expect(choosePartSize(100 * MiB)).toBe(8 * MiB);
  });

  it('grows the part size so no file needs more than 10,000 parts', () => {
    for (const size of [80 * GiB, 200 * GiB, 1024 * GiB, 5 * 1024 * GiB]) {
      const part = choosePartSize(size);
      expect(part % MiB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
      expect(part).toBeLessThanOrEqual(5 * GiB);
    }
  });

  it('never goes below S3 minimum part size', () => {
    expect(choosePartSize(100 * MiB, 1 * MiB)).toBe(5 * MiB);
  });

  it('splits files into ranges that cover every byte once', () => {
    const size = 5 * 8 * MiB + 1;
    const part = choosePartSize(size);
    const n = partCount(size, part);
    expect(n).toBe(6);
    let next = 0;
    for (let i = 1; i <= n; i++) {
      const { start, end } = partRange(i, size, part);
      expect(start).toBe(next);
      next = end;
    }
    expect(next).toBe(size);
  });

  it('sends empty files, files up to 16 MiB and one-part files as a single object', () => {
    expect(partCount(0, 8 * MiB)).toBe(1);
    expect(partCount(SINGLE_PUT_MAX, 8 * MiB)).toBe(1);
    expect(partCount(SINGLE_PUT_MAX + 1, 8 * MiB)).toBe(3);
    expect(partCount(64 * MiB, 64 * MiB)).toBe(1);
    expect(partCount(64 * MiB + 1, 64 * MiB)).toBe(2);
  });
});

describe('keys', () => {
  it('joins prefix and path with single slashes', () => {
    expect(normalizePrefix('/center//')).toBe('center/');
    expect(normalizePrefix('  ')).toBe('');
    expect(normalizePrefix('\\center\\study 1\\')).toBe('center/study 1/');
    expect(normalizePrefix('cafe\u0301')).toBe('caf\u00e9/');
    expect(keyBuilder('/center//', '/data/study', posix)('/data/study/a b+c#%(.txt')).toBe(
      'center/study/a b+c#%(.txt',
    );
  });

  it('refuses dot segments, empty segments and control characters', () => {
    expect(keyProblem('center/../x')).toMatch(/"\.\."/);
    expect(keyProblem('center//x')).toMatch(/empty folder name/);
    expect(keyProblem('center/a\u0007b')).toMatch(/control character/);
    expect(keyProblem('center/a\u0007b')).toContain('\\u0007');
    expect(keyProblem('center/a\nb.fastq')).toBe(
      'The key "center/a\\u000ab.fastq" contains a control character (such as a line break): rename the file or folder.',
    );
    expect(keyProblem('center/ünïcødé ✓.fastq')).toBeNull();
  });

  it('warns about keys the sync job skips', () => {
    expect(keyWarnings('file.txt').map((w) => w.code)).toEqual(['bucket-root']);
    expect(keyWarnings('2024/file.txt').map((w) => w.code)).toEqual(['leading-digit']);
    expect(keyWarnings('9.txt').map((w) => w.code)).toEqual(['bucket-root', 'leading-digit']);
    expect(keyWarnings('center/2024/file.txt')).toEqual([]);
  });
});

describe('content-md5', () => {
  it('is base64 of the raw digest, never hex', () => {
    const hex = createHash('md5').update('hello').digest('hex');
    const b64 = createHash('md5').update('hello').digest('base64');
    expect(hexToBase64Md5(hex)).toBe(b64);
    expect(isBase64Md5(b64)).toBe(true);
    expect(isBase64Md5(hex)).toBe(false);
    expect(isBase64Md5('AAAAAAAAAAAAAAAAAAAAAAA=')).toBe(false);
  });
});

describe('submission profile', () => {
  it('grants the center both canonical IDs in one header', () => {
    expect(validateProfile(CENTER_PROFILE)).toEqual([]);
    expect(grantFullControlHeader(CENTER_PROFILE)).toBe(
      'id=d9df08ac799f2859d42a588b415111314cf66d0ffd072195f33b921db966b440, ' +
        'id=eab4436941f355ce866fcf7944db42020c385ad1f19df8a95704dc4d7552fa06',
    );
  });

  it('refuses a canonical ID that is not 64 hex characters', () => {
    const problems = validateProfile({ ...CENTER_PROFILE, fullControlIds: ['abc'] });
    expect(problems[0]).toMatch(/"abc" is not a canonical user ID/);
  });
});
