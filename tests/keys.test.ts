import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renameForSynapse, planUpload, type Plan } from '../electron/engine/scan';
import {
  buildKey,
  keyWarnings,
  startsWithDigit,
  synapseSafeKey,
  type KeyWarning,
} from '../shared/keys';

const codes = (warnings: KeyWarning[]) => warnings.map((w) => w.code);
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
    const python = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' })) as {
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
    expect(buildKey(`lab/${decomposed}`, [`${decomposed}.txt`])).toBe('lab/café/café.txt');
    await mkdir(join(dir, decomposed));
    await writeFile(join(dir, decomposed, `r\u00e9sum\u00e9.txt`), 'composed');
    await writeFile(join(dir, decomposed, `re\u0301sume\u0301.txt`), 'decomposed');
    const plan = await planUpload([join(dir, decomposed)], 'center');
    // The same name twice, once in each form: one key, so a problem named before upload.
    expect(plan.files.map((f) => f.key)).toEqual(['center/café/résumé.txt']);
    expect(plan.problems).toEqual([
      expect.stringContaining('would both be uploaded as "center/café/résumé.txt"'),
    ]);
    // Synapse's check sees "é" (one character), as a person does.
    expect(keyWarnings('center/café/x.txt')[0]?.message).toContain('(é)');
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
      `${join(dir, 'study', 'caf#.txt')} and ${join(dir, 'study', 'caf&.txt')} would both be uploaded as "center/study/caf_.txt".`,
      `${join(dir, 'study', 'cafe.txt')} and ${join(dir, 'study', 'café.txt')} would both be uploaded as "center/study/cafe.txt".`,
    ]);

    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'cafe.txt'), 'another');
    const same = await planUpload(
      [join(dir, 'study', 'cafe.txt'), join(dir, 'other', 'cafe.txt')],
      'c',
    );
    expect(same.problems).toEqual([
      `${join(dir, 'study', 'cafe.txt')} and ${join(dir, 'other', 'cafe.txt')} would both be uploaded as "c/cafe.txt".`,
    ]);
  });

  it('passes the synced folders through planUpload', async () => {
    await writeFile(join(dir, 'a.txt'), 'a');
    const plan = await planUpload([join(dir, 'a.txt')], 'scratch', { syncedFolders: ['raw'] });
    expect(codes(plan.warnings)).toEqual(['unsynced-folder']);
  });
});
