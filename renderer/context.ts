// The store handed to React components, and a hook to select from it.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ShellState, ShellStore } from './store/store.js';

export const StoreContext = createContext<ShellStore | undefined>(undefined);

export function useShell<T>(select: (s: ShellState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('The shell store is not provided.');
  return useStore(store, select);
}

export function useShellStore(): ShellStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('The shell store is not provided.');
  return store;
}
