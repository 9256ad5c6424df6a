import { stat } from 'node:fs/promises';
import type { UploadRecord } from '../../shared/types';
import { UploadFailure } from './errors';

/** The file as it is now; a missing or unreadable one is a failure that says what to do. */
export async function statOrFail(record: UploadRecord) {
  try {
    return await stat(record.localPath);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UploadFailure({
      code: code === 'ENOENT' ? 'FileMissing' : 'FileUnreadable',
      message:
        code === 'ENOENT'
          ? `${record.localPath} no longer exists. Put it back and retry, or cancel this upload.`
          : `${record.localPath} cannot be read (${code}). Check its permissions.`,
    });
  }
}

export function changedFailure(record: UploadRecord, when: string): UploadFailure {
  return new UploadFailure({
    code: 'FileChanged',
    message: `${record.localPath} changed ${when} (its size or modification time differ). Nothing was completed; retry to upload the current version from the start.`,
  });
}

/** Whether the file is still the version recorded (size and modification time). */
export async function isUnchanged(record: UploadRecord): Promise<boolean> {
  const current = await statOrFail(record);
  return current.size === record.size && current.mtimeMs === record.mtimeMs;
}

/** Nothing corrupt is ever sent or completed: the bytes must come from the version that was hashed. */
export async function assertUnchanged(record: UploadRecord): Promise<void> {
  if (!(await isUnchanged(record))) throw changedFailure(record, 'after it was hashed');
}
