import { powerMonitor, powerSaveBlocker } from 'electron';
import { SuspendGuard } from '../ipc/batch-watcher';

/** Keeps the computer from going to sleep while `set(true)`. */
export function keepAwake(): { readonly on: boolean; set(awake: boolean): void } {
  let blocker: number | null = null;
  return {
    get on() {
      return blocker !== null;
    },
    set(awake) {
      if (awake && blocker === null) {
        blocker = powerSaveBlocker.start('prevent-app-suspension');
      } else if (!awake && blocker !== null) {
        powerSaveBlocker.stop(blocker);
        blocker = null;
      }
    },
  };
}

/** Pauses what runs when the computer goes to sleep and resumes it on wake (see SuspendGuard). */
export function pauseOnSuspend(queue: ConstructorParameters<typeof SuspendGuard>[0]): void {
  const guard = new SuspendGuard(queue);
  powerMonitor.on('suspend', () => void guard.suspend());
  powerMonitor.on('resume', () => guard.resume());
}
