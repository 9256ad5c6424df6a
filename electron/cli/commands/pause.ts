import { UNFINISHED_STATUSES } from '../../engine/store';
import type { CommandOf } from '../args';
import { err, EXIT, find, out, withStore } from '../io';

/** `labdrop pause ID`: also an upload that another labdrop process is running. */
export function pause(command: CommandOf<'pause'>): Promise<number> {
  return withStore((store) => {
    const record = find(store, command.id);
    if (typeof record === 'string') {
      err(`labdrop: ${record}`);
      return EXIT.usage;
    }
    if (!UNFINISHED_STATUSES.includes(record.status)) {
      err(`labdrop: ${record.key} is ${record.status}; only unfinished uploads can be paused.`);
      return EXIT.usage;
    }
    // A labdrop process uploading it sees this within a second (applyExternalRequests).
    store.updateUpload(record.id, { status: 'paused' });
    out(`Paused ${record.key}. Run \`labdrop resume ${record.id.slice(0, 8)}\` to continue.`);
    return EXIT.ok;
  });
}
