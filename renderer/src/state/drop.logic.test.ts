import { describe, expect, it } from 'vitest';
import { droppedPaths, laterPaths, mergePaths } from './drop.logic';

describe('drop logic', () => {
  it('takes the paths of dropped files and counts those without one', () => {
    const files = [{ name: 'a.fastq' }, { name: 'from-web.png' }, { name: 'study' }];
    const paths: Record<string, string> = { 'a.fastq': '/data/a.fastq', study: '/data/study' };
    expect(droppedPaths(files, (f) => paths[f.name] ?? '')).toEqual({
      paths: ['/data/a.fastq', '/data/study'],
      withoutPath: 1,
    });
  });

  it('adds new paths once, in order', () => {
    expect(mergePaths(['/a', '/b'], ['/b', '/c', '/c'])).toEqual(['/a', '/b', '/c']);
  });

  it('keeps paths dropped during an add for later, without the ones being added', () => {
    expect(laterPaths(['/a', '/b'], ['/c'], ['/b', '/d', '/c'])).toEqual(['/c', '/d']);
  });
});
