// Dev-server fast refresh from a module script: the Content-Security-Policy
// forbids the inline one @vitejs/plugin-react would add (empty in a build).
import '@vitejs/plugin-react/preamble';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app';
import { connectBridge } from './state/connect';
import { createAppStore, StoreContext } from './state/store';
import './styles.css';

const root = document.getElementById('root');
const api = window.labdrop;

// A file dropped anywhere but the drop zone must not open in the window.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (event) => event.preventDefault());
}

if (root && api) {
  const store = createAppStore(api);
  connectBridge(store, api);
  createRoot(root).render(
    <StrictMode>
      <StoreContext value={store}>
        <App />
      </StoreContext>
    </StrictMode>,
  );
} else if (root) {
  root.textContent = 'This page is the Labdrop window: open it with the Labdrop app.';
}
