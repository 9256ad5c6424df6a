import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renameForSynapse, planUpload, type Plan } from '../electron/engine/scan';
import {
  keyBuilder,
  keyWarnings,
  startsWithDigit,
  synapseSafeKey,
  type KeyWarning,
} from '../shared/keys';

const codes = (warnings: KeyWarning[]) => warnings.map((w) => w.code);
const FIX = 'Rename one of them, or upload them to different folders.';
const synapseWarning = (key: string) => keyWarnings(key).find((w) => w.code === 'synapse-name');

describe('a key that starts with a digit, as the sync job (Python) sees it', () => {
  it("warns about every character Python's str.isdigit counts, and no other", () => {
    // python3 is needed by the suite anyway (moto). Its Unicode may be older
    // than Node's: a digit Node knows in a code point Python has not
    // assigned yet is not a disagreement, and is warned about too.
    const script = `
import json, sys, unicodedata
unassigned, start = [], None
for c in range(sys.maxunicode + 2):
    free = c <= sys.maxunicode and unicodedata.category(chr(c)) == "Cn"
    if free and start is None:
        start = c
    elif not free and start is not None:
        unassigned.append([start, c - 1])
        start = None
print(json.dumps({
    "unicode": unicodedata.unidata_version,
    "digits": [c for c in range(sys.maxunicode + 1) if chr(c).isdigit()],
    "unassigned": unassigned,
}))`;
    const python = JSON.parse(
      execFileSync(process.platform === 'win32' ? 'python' : 'python3', ['-c', script], {
        encoding: 'utf8',
      }),
    ) as {
      unicode: string;
      digits: number[];
      /** Inclusive ranges of the code points Python's Unicode has not assigned. */
      unassigned: [number, number][];
    };
    const digit = new Uint8Array(0x110000);
    for (const c of python.digits) digit[c] = 1;
    const unassigned = new Uint8Array(0x110000);
    for (const [from, to] of python.unassigned) unassigned.fill(1, from, to + 1);
    expect(python.digits).toEqual(expect.arrayContaining([0x31, 0xff11, 0xb2, 0x2081, 0x2460]));

    const disagree: string[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      const js = startsWithDigit(`${String.fromCodePoint(c)}x`);
      if (js !== (digit[c] === 1) && !(js && unassigned[c] === 1)) {
        disagree.push(`U+${c.toString(16).toUpperCase()} (JS ${js}, Python ${python.unicode})`);
      }
    }
    expect(disagree).toEqual([]);
  });

  it('warns about a fullwidth or superscript digit, and says which character', () => {
    const fullwidth = keyWarnings('１st-batch/a.txt').find((w) => w.code === 'leading-digit');
    expect(fullwidth?.message).toBe(
      '"１st-batch/a.txt" starts with "１", which the sync job counts as a digit; it skips such keys. Use a folder or name that starts with a letter.',
    );
    const superscript = keyWarnings('²x/a').find((w) => w.code === 'leading-digit');
    expect(superscript?.message).toContain('"²x/a" starts with "²"');
    expect(codes(keyWarnings('center/１st-batch/a.txt'))).not.toContain('leading-digit');
    expect(codes(keyWarnings('x²/a'))).not.toContain('leading-digit');
  });
});

describe("Synapse's name rule", () => {
  it('warns about accented letters, naming the key, each refused name and its characters', () => {
    const warning = synapseWarning('café/résumé.txt');
    expect(warning?.key).toBe('café/résumé.txt');
    expect(warning?.message).toBe(
      `"café/résumé.txt": Synapse refuses the names "café" (é), "résumé.txt" (é), so the sync job cannot copy it. Synapse names may only contain letters (a-z, A-Z), digits, spaces and _ - . + , ( ) ' and be at most 256 characters long.`,
    );
  });

  it('lists each refused character once, and shows invisible ones by code point', () => {
    expect(synapseWarning('center/a#b&c#.txt')?.message).toContain('"a#b&c#.txt" (# &)');
    expect(synapseWarning('center/run#1/x.txt')?.message).toContain('"run#1" (#)');
    expect(synapseWarning('center/x&y')?.message).toContain('"x&y" (&)');
    // A zero-width space, a no-break space and a tab: nothing a user could see.
    expect(synapseWarning('center/a\u200bb\u00a0c\td')?.message).toContain(
      '(\\u200b \\u00a0 \\u0009)',
    );
  });

  it('warns about a name longer than 256 characters, with its length', () => {
    const long = `${'a'.repeat(296)}.txt`;
    const warning = synapseWarning(`center/${long}`);
    expect(warning?.message).toContain(`"center/${long}": Synapse refuses the name "aaaa`);
    expect(warning?.message).toContain('(300 characters long)');
    expect(synapseWarning(`center/${'a'.repeat(256)}`)).toBeUndefined();
  });

  it('checks the prefix folders too, and takes what Synapse allows', () => {
    expect(synapseWarning('my lab#2/run (1)/a.txt')?.message).toContain('"my lab#2" (#)');
    expect(keyWarnings("center/Run 1_a-b.c+d,(e)'f.txt")).toEqual([]);
  });
});

describe('folders the center syncs', () => {
  const rules = { syncedFolders: ['raw-data', 'processed'] };

  it('warns about a key outside them, like a key at the bucket root', () => {
    const [warning] = keyWarnings('scratch/a.txt', rules);
    expect(warning).toEqual({
      code: 'unsynced-folder',
      key: 'scratch/a.txt',
      message:
        '"scratch/a.txt" would sit in "scratch/"; the sync job only copies folders raw-data, processed. Choose one of them.',
    });
    expect(keyWarnings('raw-data/run-1/a.txt', rules)).toEqual([]);
    // A folder of that name further down is not the same folder.
    expect(codes(keyWarnings('scratch/raw-data/a.txt', rules))).toEqual(['unsynced-folder']);
    expect(codes(keyWarnings('a.txt', rules))).toEqual(['bucket-root']);
  });

  it('syncs every folder when the profile lists none', () => {
    expect(keyWarnings('scratch/a.txt', { syncedFolders: [] })).toEqual([]);
    expect(keyWarnings('scratch/a.txt')).toEqual([]);
  });
});

describe('renaming keys for Synapse', () => {
  it('changes only what Synapse refuses', () => {
    expect(synapseSafeKey('café/résumé.txt')).toBe('cafe/resume.txt');
    expect(synapseSafeKey('center/a#b&c.txt')).toBe('center/a_b_c.txt');
    // Decomposed accents, fullwidth and circled digits, ligatures.
    expect(synapseSafeKey('center/cafe\u0301/１②ﬁ.txt')).toBe('center/cafe/12fi.txt');
    expect(synapseSafeKey('center/数据 β/x')).toBe('center/__ _/x');
    expect(synapseSafeKey("center/Run 1_a-b.c+d,(e)'f.txt")).toBe("center/Run 1_a-b.c+d,(e)'f.txt");
  });

  it('never makes a name "." or "..", or an empty one', () => {
    expect(synapseSafeKey('center/．．/\u0301/a')).toBe('center/__/_/a');
  });

  it('cuts a long name to 256 characters, keeping the file extension', () => {
    const renamed = synapseSafeKey(`center/${'b'.repeat(300)}/${'é'.repeat(300)}.fastq.gz`);
    const [, folder, file] = renamed.split('/');
    expect(folder).toBe('b'.repeat(256));
    expect(file).toHaveLength(256);
    expect(file).toBe(`${'e'.repeat(256 - '.fastq.gz'.length)}.fastq.gz`);
  });

  it('gives keys Synapse takes, and leaves those alone', () => {
    const char = fc.constantFrom('a', 'Z', '7', '.', ' ', '_', 'é', '\u0301', '．', 'ﷺ', '①', '½');
    const name = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: char, maxLength: 300 }),
    );
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        const key = names.join('/');
        const safe = synapseSafeKey(key);
        expect(synapseSafeKey(safe)).toBe(safe);
        expect(synapseWarning(safe)).toBeUndefined();
        expect(safe.split('/')).toHaveLength(key.split('/').length);
        if (synapseWarning(key) === undefined) expect(safe).toBe(key);
      }),
      { numRuns: 500 },
    );
  });
});

describe('renameForSynapse', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'labdrop-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const file = (key: string) => ({ localPath: `/data/${key}`, key, size: 1, mtimeMs: 0 });

  it('re-keys the files that need it and makes the warnings again', () => {
    const plan: Plan = {
      files: [file('center/café/résumé.txt'), file('center/ok.txt'), file('１st/a#.txt')],
      problems: [],
      warnings: [],
    };
    plan.warnings = plan.files.flatMap((f) => keyWarnings(f.key));
    const { plan: renamed, renames } = renameForSynapse(plan);
    expect(renamed.files.map((f) => [f.localPath, f.key])).toEqual([
      ['/data/center/café/résumé.txt', 'center/cafe/resume.txt'],
      ['/data/center/ok.txt', 'center/ok.txt'],
      ['/data/１st/a#.txt', '1st/a_.txt'],
    ]);
    expect(renames).toEqual([
      { from: 'center/café/résumé.txt', to: 'center/cafe/resume.txt' },
      { from: '１st/a#.txt', to: '1st/a_.txt' },
    ]);
    // Still starting with a digit: that warning stays, Synapse's goes.
    expect(renamed.warnings.map((w) => [w.code, w.key])).toEqual([['leading-digit', '1st/a_.txt']]);
    expect(renamed.problems).toEqual([]);
    expect(renameForSynapse(renamed, { syncedFolders: ['center'] }).plan.warnings).toHaveLength(2);
  });

  it('makes keys in composed form (NFC), as a Mac may hand names over decomposed', async () => {
    const decomposed = 'cafe\u0301';
    await mkdir(join(dir, decomposed));
    await writeFile(join(dir, decomposed, `r\u00e9sum\u00e9.txt`), 'composed');
    await writeFile(join(dir, decomposed, `re\u0301sume\u0301.txt`), 'decomposed');
    const plan = await planUpload([join(dir, decomposed)], 'center');
    // The same name twice, once in each form: one key, so a problem named before upload.
    expect(plan.files.map((f) => f.key)).toEqual(['center/café/résumé.txt']);
    expect(plan.problems).toEqual([
      `${join(dir, decomposed, 're\u0301sume\u0301.txt')} and ${join(dir, decomposed, 'r\u00e9sum\u00e9.txt')} would both be uploaded as "center/café/résumé.txt" (one name written in two Unicode forms: a Mac may write an accent as a separate mark). Rename one of them, or upload them to different folders.`,
    ]);
    // Synapse's check sees "é" (one character), as a person does, not a lone mark.
    expect(plan.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('Synapse refuses the names "café" (é), "résumé.txt" (é)'),
    ]);
  });

  it('refuses two files renamed to one key, as planUpload does two files with one key', async () => {
    await mkdir(join(dir, 'study'));
    await writeFile(join(dir, 'study', 'café.txt'), 'accented');
    await writeFile(join(dir, 'study', 'cafe.txt'), 'plain');
    await writeFile(join(dir, 'study', 'caf#.txt'), 'hash');
    await writeFile(join(dir, 'study', 'caf&.txt'), 'ampersand');
    const { plan, renames } = renameForSynapse(await planUpload([join(dir, 'study')], 'center'));
    // The key the user chose keeps its file; the renamed ones give way.
    expect(plan.files.map((f) => f.key).sort()).toEqual([
      'center/study/caf_.txt',
      'center/study/cafe.txt',
    ]);
    expect(renames).toEqual([{ from: 'center/study/caf#.txt', to: 'center/study/caf_.txt' }]);
    expect(plan.problems).toEqual([
      `${join(dir, 'study', 'caf#.txt')} and ${join(dir, 'study', 'caf&.txt')} would both be uploaded as "center/study/caf_.txt". ${FIX}`,
      `${join(dir, 'study', 'cafe.txt')} and ${join(dir, 'study', 'café.txt')} would both be uploaded as "center/study/cafe.txt". ${FIX}`,
    ]);

    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'cafe.txt'), 'another');
    const same = await planUpload(
      [join(dir, 'study', 'cafe.txt'), join(dir, 'other', 'cafe.txt')],
      'c',
    );
    expect(same.problems).toEqual([
      `${join(dir, 'study', 'cafe.txt')} and ${join(dir, 'other', 'cafe.txt')} would both be uploaded as "c/cafe.txt". ${FIX}`,
    ]);
  });

  it('passes the synced folders through planUpload', async () => {
    await writeFile(join(dir, 'a.txt'), 'a');
    const plan = await planUpload([join(dir, 'a.txt')], 'scratch', { syncedFolders: ['raw'] });
    expect(codes(plan.warnings)).toEqual(['unsynced-folder']);
  });
});

describe('paths to keys on Windows, macOS and Linux', () => {
  const onWindows = (dropped: string, file: string) => keyBuilder('center', dropped, win32)(file);
  const onPosix = (dropped: string, file: string) => keyBuilder('center', dropped, posix)(file);

  it('keeps the dropped folder or file and what is inside it, whatever the drive or share', () => {
    expect(onWindows('C:\\data\\run1', 'C:\\data\\run1\\a.fastq')).toBe('center/run1/a.fastq');
    expect(onWindows('C:\\data\\run1\\a.fastq', 'C:\\data\\run1\\a.fastq')).toBe('center/a.fastq');
    expect(onWindows('C:\\data\\run1', 'C:\\data\\run1\\lane 2\\b.fastq')).toBe(
      'center/run1/lane 2/b.fastq',
    );
    // Windows paths ignore case: a file spelled otherwise is still inside the folder.
    expect(onWindows('C:\\Data\\run1', 'c:\\data\\run1\\a.fastq')).toBe('center/run1/a.fastq');
    // Windows takes / too, and a trailing separator names the same folder.
    expect(onWindows('C:/data/run1/', 'C:/data/run1/lane2/b.fastq')).toBe(
      'center/run1/lane2/b.fastq',
    );
    expect(onWindows('\\\\server\\share\\run1', '\\\\server\\share\\run1\\a.fastq')).toBe(
      'center/run1/a.fastq',
    );
    expect(onWindows('\\\\server\\share\\run1\\a.fastq', '\\\\server\\share\\run1\\a.fastq')).toBe(
      'center/a.fastq',
    );
    expect(onPosix('/Volumes/share/run1', '/Volumes/share/run1/a.fastq')).toBe(
      'center/run1/a.fastq',
    );
  });

  it('puts what a drive, share or filesystem root holds directly under the prefix', () => {
    expect(onWindows('C:\\', 'C:\\run1\\a.fastq')).toBe('center/run1/a.fastq');
    expect(onWindows('\\\\server\\share', '\\\\server\\share\\run1\\a.fastq')).toBe(
      'center/run1/a.fastq',
    );
    expect(onWindows('\\\\server\\share\\', '\\\\server\\share\\a.fastq')).toBe('center/a.fastq');
    expect(onPosix('/', '/run1/a.fastq')).toBe('center/run1/a.fastq');
  });

  it("gives Windows' long-path forms the keys of the plain paths", () => {
    expect(onWindows('\\\\?\\C:\\data\\run1', '\\\\?\\C:\\data\\run1\\a.fastq')).toBe(
      'center/run1/a.fastq',
    );
    expect(
      onWindows('\\\\?\\UNC\\server\\share\\run1', '\\\\?\\UNC\\server\\share\\run1\\a.fastq'),
    ).toBe('center/run1/a.fastq');
    expect(onWindows('\\\\?\\C:\\', '\\\\?\\C:\\run1\\a.fastq')).toBe('center/run1/a.fastq');
    // Node reads "\\?\UNC" as a share: without care the share would be kept as a folder.
    expect(onWindows('\\\\?\\UNC\\server\\share', '\\\\?\\UNC\\server\\share\\a.fastq')).toBe(
      'center/a.fastq',
    );
    expect(onWindows('\\\\?\\unc\\server\\share\\run1', '\\\\?\\unc\\server\\share\\run1\\a')).toBe(
      'center/run1/a',
    );
  });

  it('builds paths over 260 characters whole, with or without the long-path prefix', () => {
    const folders = ['d'.repeat(100), 'e'.repeat(100), 'f'.repeat(100)];
    const inside = win32.join(...folders, 'a.fastq');
    const plain = win32.join('C:\\data\\run1', inside);
    expect(plain.length).toBeGreaterThan(260);
    const key = `center/run1/${folders.join('/')}/a.fastq`;
    expect(onWindows('C:\\data\\run1', plain)).toBe(key);
    expect(onWindows('\\\\?\\C:\\data\\run1', `\\\\?\\${plain}`)).toBe(key);
    expect(onWindows('\\\\?\\UNC\\nas\\lab\\run1', `\\\\?\\UNC\\nas\\lab\\run1\\${inside}`)).toBe(
      key,
    );
    expect(onPosix('/mnt/lab/run1', posix.join('/mnt/lab/run1', ...folders, 'a.fastq'))).toBe(key);
  });

  it('takes a backslash for a folder separator everywhere, as Windows does', () => {
    // A file named "a\b.txt" on a Linux server or share gets the key a Windows user's a\b.txt gets.
    expect(onPosix('/srv/share/run1', '/srv/share/run1/a\\b.txt')).toBe('center/run1/a/b.txt');
    expect(onWindows('\\\\srv\\share\\run1', '\\\\srv\\share\\run1\\a\\b.txt')).toBe(
      'center/run1/a/b.txt',
    );
    expect(onPosix('/srv/run\\1', '/srv/run\\1/a.txt')).toBe('center/run/1/a.txt');
  });

  it('gives a folder the same keys on every platform, composed (NFC) as on Windows', () => {
    const name = fc
      .string({ unit: fc.constantFrom('a', 'Z', '7', ' ', '.', '_', 'é', 'e\u0301', '数', '#') })
      .filter((n) => n !== '' && n !== '.' && n !== '..');
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), fc.boolean(), (names, unc) => {
        // A Mac may hand the names over decomposed; Windows and Linux composed.
        const mac = posix.join('/Users/lab', ...names.map((n) => n.normalize('NFD')));
        const windowsRoot = unc ? '\\\\nas\\lab' : 'C:\\lab';
        const windows = win32.join(windowsRoot, ...names.map((n) => n.normalize('NFC')));
        const first = names[0] ?? '';
        const fromMac = keyBuilder(
          'center',
          posix.join('/Users/lab', first.normalize('NFD')),
          posix,
        );
        const fromWindows = keyBuilder('center', win32.join(windowsRoot, first), win32);
        expect(fromMac(mac)).toBe(fromWindows(windows));
        expect(fromMac(mac)).toBe(`center/${names.join('/')}`.normalize('NFC'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('names Windows cannot hold', () => {
  const windowsWarning = (key: string) => keyWarnings(key).find((w) => w.code === 'windows-name');

  it('warns about its device names, with any extension and in any case, and names ending in a dot or space', () => {
    for (const name of ['CON', 'aux.txt', 'nul', 'COM1.log', 'lpt9.tar.gz', 'Prn', 'com²']) {
      expect(windowsWarning(`center/run1/${name}`)?.key, name).toBe(`center/run1/${name}`);
    }
    expect(windowsWarning('center/AUX/a.txt')?.message).toContain('named "AUX"');
    expect(windowsWarning('center/run1./a.txt')?.message).toContain('named "run1."');
    expect(windowsWarning('center/sample /a.txt')?.message).toContain('named "sample "');
    for (const name of ['console.txt', 'auxiliary', 'com10', 'nul-run', 'a.con', 'CON1']) {
      expect(windowsWarning(`center/${name}`), name).toBeUndefined();
    }
  });

  it('says who is affected and what to do, and leaves the sync job out of it', () => {
    expect(keyWarnings('center/CON/aux.txt')).toEqual([
      {
        code: 'windows-name',
        key: 'center/CON/aux.txt',
        message:
          '"center/CON/aux.txt": Windows cannot save a file or folder named "CON", "aux.txt", so whoever downloads it to Windows gets an error or another name. Windows reserves CON, PRN, AUX, NUL, COM0–COM9 and LPT0–LPT9, with any extension, and drops a dot or space at the end of a name. Rename it if the data will be used on Windows.',
      },
    ]);
  });
});

describe('two files, one name', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'labdrop-twins-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes keys that differ only in case a problem, naming both files and both keys', async () => {
    await mkdir(join(dir, 'run1'));
    await writeFile(join(dir, 'run1', 'Sample.txt'), 'upper');
    await writeFile(join(dir, 'run1', 'sample.txt'), 'lower');
    await writeFile(join(dir, 'run1', 'other.txt'), 'other');
    const plan = await planUpload([join(dir, 'run1')], 'center');
    expect(plan.files.map((f) => f.key)).toEqual([
      'center/run1/Sample.txt',
      'center/run1/other.txt',
    ]);
    expect(plan.problems).toEqual([
      `${join(dir, 'run1', 'Sample.txt')} and ${join(dir, 'run1', 'sample.txt')} would be uploaded as "center/run1/Sample.txt" and "center/run1/sample.txt", which differ only in upper and lower case: Windows, macOS and Synapse take them for one name. ${FIX}`,
    ]);
  });

  it('names a file called "a\\b.txt" next to a folder a with b.txt in it, as one key', async () => {
    await mkdir(join(dir, 'run1', 'a'), { recursive: true });
    await writeFile(join(dir, 'run1', 'a', 'b.txt'), 'in a folder');
    await writeFile(join(dir, 'run1', 'a\\b.txt'), 'a backslash in its name');
    const plan = await planUpload([join(dir, 'run1')], 'center');
    expect(plan.files.map((f) => f.key)).toEqual(['center/run1/a/b.txt']);
    expect(plan.problems).toEqual([
      `${join(dir, 'run1', 'a', 'b.txt')} and ${join(dir, 'run1', 'a\\b.txt')} would both be uploaded as "center/run1/a/b.txt" (a "\\" in a name is a folder separator in a key). ${FIX}`,
    ]);
  });

  it('makes files dropped from two folders onto one destination a problem, also when only case differs', async () => {
    await mkdir(join(dir, 'one'));
    await mkdir(join(dir, 'two'));
    await writeFile(join(dir, 'one', 'Run.txt'), 'one');
    await writeFile(join(dir, 'two', 'run.txt'), 'two');
    const plan = await planUpload([join(dir, 'one', 'Run.txt'), join(dir, 'two', 'run.txt')], 'c');
    expect(plan.files.map((f) => f.localPath)).toEqual([join(dir, 'one', 'Run.txt')]);
    expect(plan.problems).toEqual([
      expect.stringContaining(
        `${join(dir, 'one', 'Run.txt')} and ${join(dir, 'two', 'run.txt')} would be uploaded as "c/Run.txt" and "c/run.txt"`,
      ),
    ]);
  });

  it('refuses a rename for Synapse that leaves two keys differing only in case', async () => {
    await mkdir(join(dir, 'study'));
    await writeFile(join(dir, 'study', 'Café.txt'), 'accented');
    await writeFile(join(dir, 'study', 'cafe.txt'), 'plain');
    const { plan, renames } = renameForSynapse(await planUpload([join(dir, 'study')], 'center'));
    expect(renames).toEqual([]);
    expect(plan.files.map((f) => f.key)).toEqual(['center/study/cafe.txt']);
    expect(plan.problems).toEqual([
      `${join(dir, 'study', 'cafe.txt')} and ${join(dir, 'study', 'Café.txt')} would be uploaded as "center/study/cafe.txt" and "center/study/Cafe.txt", which differ only in upper and lower case: Windows, macOS and Synapse take them for one name. ${FIX}`,
    ]);
  });

  it('uploads a device name from a share with a warning, which renaming for Synapse keeps', async () => {
    await mkdir(join(dir, 'share'));
    await writeFile(join(dir, 'share', 'aux.txt'), 'aux');
    await writeFile(join(dir, 'share', 'CON'), 'con');
    const plan = await planUpload([join(dir, 'share')], 'center');
    expect(plan.problems).toEqual([]);
    expect(plan.files.map((f) => f.key)).toEqual(['center/share/CON', 'center/share/aux.txt']);
    expect(plan.warnings.map((w) => [w.code, w.key])).toEqual([
      ['windows-name', 'center/share/CON'],
      ['windows-name', 'center/share/aux.txt'],
    ]);
    // Synapse takes these names: nothing to rename, and the warning stays.
    const renamed = renameForSynapse(plan);
    expect(renamed.renames).toEqual([]);
    expect(codes(renamed.plan.warnings)).toEqual(['windows-name', 'windows-name']);
  });
});
