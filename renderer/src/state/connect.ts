import type { LabdropApi } from '../../../shared/ipc';
import type { AppStore } from './store';
import { initialTarget } from './target.logic';

/**
 * Wires the bridge to the store, once, from main.tsx: events from main flow
 * in as single `set`s, then the first state is loaded. Returns the
 * unsubscribe for all events.
 */
export function connectBridge(store: AppStore, api: LabdropApi): () => void {
  const offProgress = api.onProgress((batch) => store.getState().applyBatch(batch));
  const offChanged = api.onQueueChanged((list) => store.getState().replaceQueue(list));
  // E.g. the session expired: the queue paused itself until the user signs in again.
  const offAttention = api.onAttention((reason) => store.getState().attention(reason));
  void (async () => {
    const [info, settings, list] = await Promise.all([
      api.appInfo(),
      api.getSettings(),
      api.listUploads(),
    ]);
    if (!info.ok || !list.ok) {
      const error = !info.ok ? info.error : !list.ok ? list.error : null;
      store.setState({ fatal: error?.message ?? 'Labdrop could not load its state.' });
      return;
    }
    const view = settings.ok ? settings.value : null;
    store.getState().setTarget(initialTarget(view?.settings ?? null, info.value.demo));
    void store.getState().loadSavedTargets();
    store.getState().replaceQueue({ items: list.value });
    store.setState((s) => ({
      appInfo: info.value,
      ready: true,
      settings: { ...s.settings, view },
    }));
  })();
  return () => {
    offProgress();
    offChanged();
    offAttention();
  };
}
