import { describe, expect, it } from 'vitest';
import { keysProblems, type KeysForm } from './keys.logic';

const valid: KeysForm = {
  name: 'lab-uploader',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: '',
  region: '',
};

describe('keysProblems', () => {
  it('finds nothing wrong in keys main would store', () => {
    expect(keysProblems(valid)).toEqual({});
    expect(keysProblems({ ...valid, region: 'eu-west-1' })).toEqual({});
  });

  it("says what is wrong in the form's words, never the schema's", () => {
    const problems = keysProblems({ ...valid, secretAccessKey: 'short', region: 'Mars' });
    expect(problems).toEqual({
      secretAccessKey: 'The secret access key is at least 8 characters (AWS gives 40).',
      region: 'A region such as us-east-1.',
    });
    expect(JSON.stringify(problems)).not.toMatch(/too small|expected|invalid|secretAccessKey:/i);
  });

  it('holds an empty form invalid (Store keys stays disabled)', () => {
    const empty = { name: '', accessKeyId: '', secretAccessKey: '', sessionToken: '', region: '' };
    expect(Object.keys(keysProblems(empty)).sort()).toEqual([
      'accessKeyId',
      'name',
      'secretAccessKey',
    ]);
  });
});
