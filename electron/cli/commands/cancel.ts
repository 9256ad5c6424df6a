import { classifyError } from '../../engine/errors';
import type { CommandOf } from '../args';
import { err, EXIT, out, withUpload } from '../io';

/** `labdrop cancel ID`: stops an upload, here or in another labdrop process, and removes its parts. */
export function cancel(command: CommandOf<'cancel'>): Promise<number> {
  return withUpload(command.id, async ({ queue }, record) => {
    if (record.status === 'done') {
      err(
        `labdrop: ${record.key} is already uploaded; delete the object in the bucket if you must.`,
      );
      return EXIT.usage;
    }
    try {
      if ((await queue.requestCancel(record.id)) === 'requested') {
        out(
          `Cancelling ${record.key}: the Labdrop process uploading it stops and removes its parts.`,
        );
        return EXIT.ok;
      }
    } catch (error) {
      err(`labdrop: ${classifyError(error, record).message}`);
      return EXIT.failed;
    }
    out(`Cancelled ${record.key}; its parts were removed from s3://${record.bucket}.`);
    return EXIT.ok;
  });
}
