import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import type { QueuedBy } from './store';

/** How far the clock may have moved since boot without a live lock looking older than the boot. */
const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * One Labdrop process at a time works on an upload: the app and a `labdrop
 * resume` in a terminal must not send the same parts or complete the same
 * multipart upload twice. A lock is a file named by the upload id holding the
 * owner's pid; a lock whose process is gone (a crash, `kill -9`) is taken
 * over, and so is one written before the machine last started, whose pid
 * may now belong to another program.
 */
export class UploadLocks {
  private readonly held = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly pid = process.pid,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Takes the lock, or returns the pid of the live process that holds it. */
  acquire(id: string): { ok: true } | { ok: false; pid: number } {
    if (this.held.has(id)) return { ok: true };
    const file = this.file(id);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(this.pid));
        closeSync(fd);
        this.held.add(id);
        return { ok: true };
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
      }
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner === this.pid) {
        this.held.add(id);
        return { ok: true };
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner) && !beforeBoot(lockTime(file))) {
        return { ok: false, pid: owner };
      }
      try {
        unlinkSync(file); // its owner is gone
      } catch {
        // another process took it over first; try once more
      }
    }
    return { ok: false, pid: Number(readFileSync(file, 'utf8').trim()) };
  }

  /**
   * Whether another live process holds the upload's lock now: one look for
   * the file where there is none, as for most of 100,000 paused uploads
   * resumed at once.
   */
  heldElsewhere(id: string): boolean {
    if (this.held.has(id) || !existsSync(this.file(id))) return false;
    if (!this.acquire(id).ok) return true;
    this.release(id);
    return false;
  }

  /** This process, as the one that queued an upload waiting its turn (Store.markQueued). */
  queuer(): QueuedBy {
    return { pid: this.pid, at: Date.now() };
  }

  /**
   * Whether an upload queued by `by` waits its turn in another Labdrop that
   * is still running (the rule of a lock: a live process, since the machine
   * started), so that this one leaves it alone.
   */
  queuedElsewhere(by: QueuedBy): boolean {
    return by.pid !== this.pid && alive(by.pid) && !beforeBoot(by.at);
  }

  release(id: string): void {
    if (!this.held.delete(id)) return;
    try {
      unlinkSync(this.file(id));
    } catch {
      // already gone
    }
  }

  private file(id: string): string {
    return join(this.dir, `${id.replace(/[^A-Za-z0-9-]/g, '')}.lock`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** When the lock was written; now if it was released meanwhile (answered as held, as a moment ago). */
function lockTime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function beforeBoot(atMs: number): boolean {
  return atMs < Date.now() - uptime() * 1000 - CLOCK_SLACK_MS;
}
