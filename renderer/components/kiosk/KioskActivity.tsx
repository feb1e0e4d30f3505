// Reports the person's activity in the shell to the daemon's idle clock (kiosk mode only): keys
// and pointer, in the capture phase, so that typing into a level's display counts too.
import { useEffect } from 'react';
import { useShellStore } from '../../context.js';

const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

export function KioskActivity() {
  const store = useShellStore();
  useEffect(() => {
    const seen = () => store.getState().reportActivity();
    for (const e of EVENTS) window.addEventListener(e, seen, { capture: true, passive: true });
    return () => {
      for (const e of EVENTS) window.removeEventListener(e, seen, { capture: true });
    };
  }, [store]);
  return null;
}
