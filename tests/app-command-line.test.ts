// The desktop app as the `labdrop` command (electron/main.ts): which starts
// run the command line in the app's process and which open the window.
import { describe, expect, it } from 'vitest';
import { appCommandLine, parseCommand, USAGE } from '../electron/cli/args';

const LINUX = '/opt/Labdrop/labdrop';
const MAC = '/Applications/Labdrop.app/Contents/MacOS/Labdrop';
const WINDOWS = 'C:\\Users\\u\\AppData\\Local\\Programs\\Labdrop\\Labdrop.exe';

describe('the desktop app started with arguments', () => {
  it('runs a command typed after the installed executable', () => {
    const upload = ['upload', 'reads.fastq', '--bucket', 'b', '--yes'];
    for (const exe of [LINUX, MAC, WINDOWS]) {
      expect(appCommandLine([exe, ...upload], false)).toEqual(upload);
    }
    expect(appCommandLine([LINUX, 'history', '--json'], false)).toEqual(['history', '--json']);
    for (const word of ['help', '--help', '-h', '--version', '-v']) {
      expect(appCommandLine([LINUX, word], false)).toEqual([word]);
    }
  });

  it('knows every command the usage lists', () => {
    const commands = [...USAGE.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string);
    expect(commands).toContain('upload');
    expect(commands).toContain('profiles');
    for (const command of new Set(commands)) {
      expect(appCommandLine([LINUX, command], false), command).toEqual([command]);
    }
  });

  it('skips the app folder when run unpackaged (`electron .`)', () => {
    expect(appCommandLine(['electron', '.', 'demo'], true)).toEqual(['demo']);
    expect(appCommandLine(['electron', 'out/main/main.js', 'demo'], true)).toEqual(['demo']);
    expect(appCommandLine(['electron', '.'], true)).toBeNull();
    expect(appCommandLine(['electron', '.', '--demo'], true)).toBeNull();
  });

  it('lets switches for Electron come before the command, and hands the rest on untouched', () => {
    expect(
      appCommandLine([LINUX, '--no-sandbox', '--enable-logging', 'check', '--bucket', 'b'], false),
    ).toEqual(['check', '--bucket', 'b']);
    // Options after the command are the command's, even one named like a command.
    expect(appCommandLine([LINUX, 'profiles', 'export', 'demo', '-o', 'x.json'], false)).toEqual([
      'profiles',
      'export',
      'demo',
      '-o',
      'x.json',
    ]);
  });

  it('opens the window for anything else', () => {
    for (const typed of [
      [],
      ['--demo'],
      ['-psn_0_1234567'], // macOS Finder, older systems
      ['--no-sandbox'],
      ['/home/u/reads.fastq'],
      ['uploads'],
      ['Upload'],
      // Only the first word that is not a switch can name a command.
      ['/tmp/reads', 'history'],
    ]) {
      expect(appCommandLine([LINUX, ...typed], false), typed.join(' ')).toBeNull();
    }
  });

  it('gives the command line what parseCommand reads as that command', () => {
    const typed = appCommandLine([MAC, 'resume', '--all', '--json'], false);
    expect(typed && parseCommand(typed)).toEqual({
      name: 'resume',
      id: null,
      json: true,
      maxRate: null,
    });
  });
});
