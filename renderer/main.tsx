// The renderer's entry: the API (window.cloison from the Electron preload, else the browser host's),
// the store, the daemon's events, and the shell.
import { createRoot } from 'react-dom/client';
import { shellApi } from './api.js';
import { Shell } from './components/Shell.js';
import { StoreContext } from './context.js';
import { createShellStore } from './store/store.js';

const api = shellApi();
const store = createShellStore(api);
api.onEvent((event) => store.getState().receive(event));
void store.getState().refreshLevels();
// What already arrived, and what waits for a confirmation, from before this window opened.
void store.getState().loadTransfers();
// Exposed for the end-to-end tests and the benchmark to read what the shell shows; holds no secret.
(window as unknown as { cloisonShell: unknown }).cloisonShell = store;

createRoot(document.getElementById('root')!).render(
  <StoreContext.Provider value={store}>
    <Shell />
  </StoreContext.Provider>,
);
