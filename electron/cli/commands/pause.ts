import { isUnfinished } from '../../../shared/lifecycle';
import type { CommandOf } from '../args';
import { err, EXIT, out, withUpload } from '../io';

/** `labdrop pause ID`: also an upload that another labdrop process is running. */
export function pause(command: CommandOf<'pause'>): Promise<number> {
  return withUpload(command.id, async ({ queue }, record) => {
    if (!isUnfinished(record.status)) {
      err(`labdrop: ${record.key} is ${record.status}; only unfinished uploads can be paused.`);
      return EXIT.usage;
    }
    const how = await queue.requestPause(record.id);
    const elsewhere =
      how === 'requested' ? ' (the Labdrop process uploading it stops within a second)' : '';
    out(
      `Paused ${record.key}${elsewhere}. Run \`labdrop resume ${record.id.slice(0, 8)}\` to continue.`,
    );
    return EXIT.ok;
  });
}
