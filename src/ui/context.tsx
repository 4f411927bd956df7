// Hands the app's services (store, engine) to React without any component importing DuckDB.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppServices } from '../state/actions';
import type { AppState } from '../state/store';

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}

/** Select raw state; derive with useMemo in the component, never build new objects here. */
export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(useServices().store, selector);
}
