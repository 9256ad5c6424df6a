// Upload locks: one Labdrop process at a time works on an upload.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadLocks } from '../electron/engine/upload-lock';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-locks-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Another process's lock on upload `id`, as its file would be. */
async function lockedBy(id: string, pid: number, writtenAt = new Date()) {
  const file = join(dir, `${id}.lock`);
  await writeFile(file, String(pid));
  await utimes(file, writtenAt, writtenAt);
}

describe('upload locks', () => {
  it('are refused while the process holding them runs, and taken over once it is gone', async () => {
    await lockedBy('live', process.ppid);
    expect(new UploadLocks(dir).acquire('live')).toEqual({ ok: false, pid: process.ppid });

    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    await lockedBy('crashed', gone);
    const locks = new UploadLocks(dir);
    expect(locks.acquire('crashed')).toEqual({ ok: true });
    // Now this process's: another one is refused.
    expect(new UploadLocks(dir, process.ppid).acquire('crashed')).toEqual({
      ok: false,
      pid: process.pid,
    });
  });

  it('are taken over when written before the machine last started, whatever runs under that pid now', async () => {
    const beforeBoot = new Date(Date.now() - uptime() * 1000 - 60 * 60_000);
    await lockedBy('rebooted', process.ppid, beforeBoot);
    expect(new UploadLocks(dir).acquire('rebooted')).toEqual({ ok: true });
  });
});
