import type { UploadProgress } from '../../../shared/types';
import type { CommandOf } from '../args';
import { cliServices, err, EXIT, find, out, plural } from '../io';
import { exitCode, reportStopped, summaryEvent, watch } from '../live-view';

/** `labdrop resume ID` retries or resumes one upload; `--all` (no ID) every interrupted one. */
export async function resume(command: CommandOf<'resume'>): Promise<number> {
  const { id: idOrPrefix, json } = command;
  // With --json, stdout carries only JSON lines: what is said to people goes to stderr.
  const say = json ? err : out;
  const services = cliServices({ maxRate: command.maxRate });
  try {
    let ids: string[];
    let failedBefore: UploadProgress[] = [];
    if (idOrPrefix === null) {
      // --all finishes what was interrupted. A failed upload waits for its
      // problem to be fixed and `labdrop resume ID`, but is not passed over in silence.
      failedBefore = services.store
        .query({ status: 'failed' })
        .reverse()
        .map((r) => services.queue.progressOf(r.id));
      const unfinished = services.store.unfinished();
      ids = services.queue.resumeAll().map((r) => r.id);
      for (const record of unfinished.filter((r) => !ids.includes(r.id))) {
        say(`${record.key} is being uploaded by another Labdrop process; leaving it there.`);
      }
      if (json) for (const f of failedBefore) out(JSON.stringify({ type: 'status', ...f }));
      if (ids.length === 0) {
        if (failedBefore.length > 0) {
          err(`Nothing to resume, but ${plural(failedBefore.length, 'upload')} failed.`);
          if (json) summaryEvent(failedBefore);
          else reportStopped(failedBefore);
        } else {
          if (unfinished.length === 0) say('Nothing to resume: every upload is finished.');
          if (json) summaryEvent([]);
        }
        return exitCode(failedBefore);
      }
    } else {
      const record = find(services.store, idOrPrefix);
      if (typeof record === 'string') {
        err(`labdrop: ${record}`);
        return EXIT.usage;
      }
      if (record.status === 'done' || record.status === 'cancelled') {
        say(
          `${record.key} is already ${record.status === 'done' ? 'uploaded and verified' : 'cancelled'}.`,
        );
        const files = [services.queue.progressOf(record.id)];
        if (json) {
          out(JSON.stringify({ type: 'status', ...files[0] }));
          summaryEvent(files);
        }
        return exitCode(files);
      }
      const started =
        record.status === 'failed'
          ? services.queue.retryUpload(record.id)
          : services.queue.resume(record.id);
      if (!started) {
        err(`labdrop: ${record.key} is being uploaded by another Labdrop process.`);
        return EXIT.usage;
      }
      ids = [record.id];
    }
    return await watch(services, ids, json, failedBefore);
  } finally {
    await services.close();
  }
}
