import { isUnfinished } from '../../../shared/lifecycle';
import type { CommandOf } from '../args';
import { cliServices, err, EXIT, find, out } from '../io';

/** `labdrop pause ID`: also an upload that another labdrop process is running. */
export async function pause(command: CommandOf<'pause'>): Promise<number> {
  const services = cliServices({ hashThreads: 1 });
  try {
    const record = find(services.store, command.id);
    if (typeof record === 'string') {
      err(`labdrop: ${record}`);
      return EXIT.usage;
    }
    if (!isUnfinished(record.status)) {
      err(`labdrop: ${record.key} is ${record.status}; only unfinished uploads can be paused.`);
      return EXIT.usage;
    }
    const how = await services.queue.requestPause(record.id);
    const elsewhere =
      how === 'requested' ? ' (the Labdrop process uploading it stops within a second)' : '';
    out(
      `Paused ${record.key}${elsewhere}. Run \`labdrop resume ${record.id.slice(0, 8)}\` to continue.`,
    );
    return EXIT.ok;
  } finally {
    await services.close();
  }
}
