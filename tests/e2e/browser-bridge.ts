// Runs in the page (bundled to a classic script by the fixtures and injected
// before the app's own scripts): the same `window.labdrop` the preload builds,
// over fetch and Server-Sent Events to the test host instead of Electron IPC.
import { createLabdropApi } from '../../shared/bridge';
import { EVENT_CHANNELS, type EventChannel } from '../../shared/ipc';

declare global {
  interface Window {
    /** Dropped file name -> real path, set by the specs (the host's files). */
    __labdropTestFiles?: Record<string, string>;
  }
}

const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
const events = new EventSource('/events');
for (const channel of EVENT_CHANNELS) {
  events.addEventListener(channel, (event) => {
    const payload: unknown = JSON.parse((event as MessageEvent<string>).data);
    for (const listener of listeners.get(channel) ?? []) listener(payload);
  });
}

Object.defineProperty(window, 'labdrop', {
  value: Object.freeze(
    createLabdropApi({
      invoke: async (channel, arg) => {
        const response = await fetch(`/ipc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ arg }),
        });
        return response.json();
      },
      subscribe: (channel, listener) => {
        let set = listeners.get(channel);
        if (!set) listeners.set(channel, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
      // As the preload registers a dropped file with main: synchronously, so
      // the host has it before the page asks for a plan.
      pathForFile: (file) => {
        const path = window.__labdropTestFiles?.[file.name] ?? '';
        if (path) {
          const request = new XMLHttpRequest();
          request.open('POST', '/dropped', false);
          request.send(path);
        }
        return path;
      },
    }),
  ),
});
