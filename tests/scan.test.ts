// planUpload looks at many files at once (electron/engine/scan.ts): the plan
// must be the one a walk of one file at a time made.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planUpload } from '../electron/engine/scan';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labdrop-scan-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('planning a large folder', () => {
  it('keeps the walk’s order for files, problems and the first of two files with one key', async () => {
    const study = join(dir, 'study');
    const names: string[] = [];
    for (const folder of ['a', 'b', 'c']) {
      await mkdir(join(study, folder), { recursive: true });
      for (let i = 0; i < 700; i++) {
        const name = `${folder}/s-${String(i).padStart(4, '0')}.txt`;
        await writeFile(join(study, name), 'x'.repeat(i));
        names.push(name);
      }
    }
    // Met in the middle of the walk: a broken link, then a name that
    // becomes a key already taken (composed and decomposed é).
    await symlink(join(dir, 'gone'), join(study, 'b', 's-0350-link.txt'));
    await writeFile(join(study, 'b', 'é.txt'), 'composed');
    await writeFile(join(study, 'b', 'e\u0301.txt'.normalize('NFD')), 'decomposed');
    const plan = await planUpload([study], 'center');
    const sorted = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const [first, second] = ['e\u0301.txt', 'é.txt'].sort(sorted);
    expect(plan.problems).toEqual([
      `${join(study, 'b', 's-0350-link.txt')} is a link to ${join(dir, 'gone')}, which does not exist. Remove the link, or put back what it points to.`,
      `${join(study, 'b', first as string)} and ${join(study, 'b', second as string)} would both be uploaded as "center/study/b/é.txt" (one name written in two Unicode forms: a Mac may write an accent as a separate mark). Rename one of them, or upload them to different folders.`,
    ]);
    const expected = [
      ...names.filter((n) => n.startsWith('a/')),
      // The decomposed name sorts first ("e" < "s" < "é"): its file keeps the key.
      'b/é.txt',
      ...names.filter((n) => n.startsWith('b/')),
      ...names.filter((n) => n.startsWith('c/')),
    ];
    expect(plan.files.map((f) => f.key)).toEqual(expected.map((n) => `center/study/${n}`));
    expect(plan.files[1]).toMatchObject({ localPath: join(study, 'a', 's-0001.txt'), size: 1 });
    expect(plan.files.at(-1)?.size).toBe(699);
  });

  it('leaves out what Finder, Explorer and the drives themselves put there', async () => {
    const drive = join(dir, 'drive');
    await mkdir(join(drive, 'run', 'reads'), { recursive: true });
    for (const folder of ['.Spotlight-V100', '.fseventsd', '.Trashes', '$RECYCLE.BIN']) {
      await mkdir(join(drive, folder));
      await writeFile(join(drive, folder, 'store.db'), 'index');
    }
    await writeFile(join(drive, 'run', 'reads', 'a.fastq'), '@a');
    // macOS on a share: the attributes of a.fastq beside it, and Finder's view settings.
    await writeFile(join(drive, 'run', 'reads', '._a.fastq'), 'attributes');
    await writeFile(join(drive, 'run', '.DS_Store'), 'view');
    await writeFile(join(drive, 'run', 'Thumbs.db'), 'thumbnails');
    // A file of its own that only looks like one: nothing named "notes.txt" beside it.
    await writeFile(join(drive, 'run', '._notes.txt'), 'kept');
    const plan = await planUpload([drive], 'center');
    expect(plan.problems).toEqual([]);
    expect(plan.files.map((f) => f.key)).toEqual([
      'center/drive/run/._notes.txt',
      'center/drive/run/reads/a.fastq',
    ]);
  });
});
