import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../shared/ipc';
import type { UploadProgress, UploadStatus } from '../shared/types';
import {
  batchNotice,
  BatchWatcher,
  SuspendGuard,
  uploadsRunning,
} from '../electron/ipc/batch-watcher';
import { CONTENT_SECURITY_POLICY, isTrustedUrl } from '../electron/ipc/security';
import { SettingsFile } from '../electron/ipc/settings-file';

function progress(id: string, status: UploadStatus, size = 100, uploadedBytes = 0): UploadProgress {
  return {
    id,
    localPath: `/data/${id}`,
    bucket: 'b',
    key: `k/${id}`,
    size,
    status,
    hashedBytes: 0,
    uploadedBytes,
    speed: 0,
    heldTo: null,
    error: null,
    skipped: null,
  };
}

describe('BatchWatcher', () => {
  it('reports the batch when its last file settles, with progress meanwhile', () => {
    const watcher = new BatchWatcher();
    expect(watcher.fraction()).toBeNull();
    expect(watcher.observe(progress('a', 'queued', 100))).toBeNull();
    expect(watcher.observe(progress('b', 'queued', 300))).toBeNull();
    expect(watcher.active).toBe(true);
    watcher.sample([progress('a', 'uploading', 100, 50), progress('b', 'uploading', 300, 150)]);
    expect(watcher.fraction()).toBe(0.5);
    expect(watcher.observe(progress('a', 'done', 100, 100))).toBeNull();
    expect(watcher.observe(progress('b', 'failed', 300, 150))).toEqual({
      total: 2,
      done: 1,
      failed: 1,
      cancelled: 0,
      paused: 0,
    });
    expect(watcher.active).toBe(false);
    expect(watcher.fraction()).toBeNull();
  });

  it('notifies a success, a failure, and not a pause the user chose', () => {
    expect(batchNotice({ total: 3, done: 3, failed: 0, cancelled: 0, paused: 0 })).toEqual({
      title: 'Upload finished',
      body: '3 files uploaded and verified.',
    });
    expect(batchNotice({ total: 3, done: 1, failed: 1, cancelled: 1, paused: 0 })).toEqual({
      title: 'Uploads need attention',
      body: '1 of 3 files failed. Open Labdrop to see why and retry.',
    });
    expect(batchNotice({ total: 2, done: 0, failed: 0, cancelled: 0, paused: 2 })).toBeNull();
  });
});

describe('SuspendGuard', () => {
  it('pauses what runs on suspend and resumes only that on wake', async () => {
    const calls: string[] = [];
    // The queue's pauseAll answers what it paused: not c, which the user paused before.
    const guard = new SuspendGuard({
      pauseAll: async () => {
        calls.push('pause all');
        return ['a', 'b'];
      },
      resumeMany: (ids) => void calls.push(`resume ${ids.join(' ')}`),
    });
    await guard.suspend();
    guard.resume();
    guard.resume();
    expect(calls).toEqual(['pause all', 'resume a b', 'resume ']);
  });

  it('asks before quitting only while something runs', () => {
    expect(uploadsRunning([progress('a', 'paused'), progress('b', 'done')])).toBe(false);
    expect(uploadsRunning([progress('a', 'verifying')])).toBe(true);
  });
});

describe('window security', () => {
  it('trusts only our page', () => {
    const page = { fileUrl: 'file:///opt/Labdrop/resources/app.asar/out/renderer/index.html' };
    expect(
      isTrustedUrl('file:///opt/Labdrop/resources/app.asar/out/renderer/index.html#/history', page),
    ).toBe(true);
    expect(isTrustedUrl('file:///tmp/evil.html', page)).toBe(false);
    expect(isTrustedUrl('https://example.org/', page)).toBe(false);
    expect(isTrustedUrl('not a url', page)).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', { devOrigin: 'http://localhost:5173' })).toBe(
      true,
    );
    expect(isTrustedUrl('http://localhost:5174/', { devOrigin: 'http://localhost:5173' })).toBe(
      false,
    );
  });

  it('puts the same Content-Security-Policy in index.html', async () => {
    const html = await readFile(new URL('../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});

describe('SettingsFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'labdrop-settings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from the defaults when the file is missing or broken', async () => {
    expect(SettingsFile.open(join(dir, 'missing.json')).get()).toEqual(DEFAULT_SETTINGS);
    await writeFile(join(dir, 'broken.json'), '{ not json');
    expect(SettingsFile.open(join(dir, 'broken.json')).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the valid fields of a partly invalid file', async () => {
    const path = join(dir, 'settings.json');
    await writeFile(path, JSON.stringify({ partConcurrency: 4, partSizeMiB: 1, junk: true }));
    expect(SettingsFile.open(path).get()).toEqual({ ...DEFAULT_SETTINGS, partConcurrency: 4 });
  });

  it('writes what it saves, and refuses invalid values', () => {
    const path = join(dir, 'nested', 'settings.json');
    const file = SettingsFile.open(path);
    file.update({ partSizeMiB: 64 });
    expect(SettingsFile.open(path).get().partSizeMiB).toBe(64);
    expect(() => file.update({ partConcurrency: 1000 })).toThrow();
    expect(file.get().partConcurrency).toBe(DEFAULT_SETTINGS.partConcurrency);
  });
});
