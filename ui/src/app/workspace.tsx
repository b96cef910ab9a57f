// Which connections are open (one tab each), which tab is active and which screen it shows.
// Remembered in localStorage; a window opened for one connection (#conn=<id>) shows only that one.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ConnectionId } from '../bindings';
import type { ScreenId } from './screens';


export interface Workspace {
  openIds: ConnectionId[];
  activeId: ConnectionId | null;
  screen: ScreenId;
  /** Set when a broker was picked in the palette: the Overview opens its detail. */
  focusBroker: string | null;
  pinned: boolean;
  open: (id: ConnectionId, screen?: ScreenId) => void;
  close: (id: ConnectionId) => void;
  activate: (id: ConnectionId) => void;
  show: (screen: ScreenId) => void;
  focus: (addr: string | null) => void;
}

const KEY = 'rmq-console.workspace';
const Ctx = createContext<Workspace | null>(null);

function pinnedConnection(): ConnectionId | null {
  const m = /conn=([^&]+)/.exec(window.location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

function load(): { openIds: ConnectionId[]; activeId: ConnectionId | null } {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as { openIds?: unknown; activeId?: unknown };
    const openIds = Array.isArray(v.openIds) ? v.openIds.filter((x): x is string => typeof x === 'string') : [];
    const activeId = typeof v.activeId === 'string' && openIds.includes(v.activeId) ? v.activeId : (openIds[0] ?? null);
    return { openIds, activeId };
  } catch {
    return { openIds: [], activeId: null };
  }
}

export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const pinned = pinnedConnection();
  const [state, setState] = useState(() => (pinned ? { openIds: [pinned], activeId: pinned } : load()));
  const [screen, setScreen] = useState<ScreenId>(state.activeId ? 'overview' : 'connections');
  const [focusBroker, setFocusBroker] = useState<string | null>(null);
  useEffect(() => {
    if (!pinned) localStorage.setItem(KEY, JSON.stringify(state));
  }, [state, pinned]);
  const open = useCallback((id: ConnectionId, s: ScreenId = 'overview') => {
    setState((st) => ({ openIds: st.openIds.includes(id) ? st.openIds : [...st.openIds, id], activeId: id }));
    setScreen(s);
  }, []);
  const close = useCallback((id: ConnectionId) => {
    setState((st) => {
      const openIds = st.openIds.filter((x) => x !== id);
      const activeId = st.activeId === id ? (openIds[openIds.length - 1] ?? null) : st.activeId;
      if (!activeId) setScreen('connections');
      return { openIds, activeId };
    });
  }, []);
  const activate = useCallback((id: ConnectionId) => {
    setState((st) => ({ ...st, activeId: id }));
    setScreen((s) => (s === 'connections' ? 'overview' : s));
  }, []);
  const value = useMemo<Workspace>(
    () => ({
      ...state,
      screen,
      focusBroker,
      pinned: pinned !== null,
      open,
      close,
      activate,
      show: setScreen,
      focus: setFocusBroker,
    }),
    [state, screen, focusBroker, pinned, open, close, activate],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useWorkspace(): Workspace {
  const w = useContext(Ctx);
  if (!w) throw new Error('useWorkspace outside WorkspaceProvider');
  return w;
}
