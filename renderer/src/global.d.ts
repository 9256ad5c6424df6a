import type { LabdropApi } from '../../shared/ipc';

declare global {
  interface Window {
    /** Exposed by the preload (electron/preload.ts); absent in a plain browser. */
    labdrop?: LabdropApi;
  }
}
