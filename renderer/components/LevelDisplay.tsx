// A level's display, shown through noVNC from the VNC bridge of the host: native apps (and, in the
// browser host, web apps run as a browser inside the level) appear here. Only the active level's
// display takes keys; the others are view-only.
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';
import { vncUrl } from '../api.js';
import { registerDisplay } from '../displays.js';

export function LevelDisplay(props: {
  level: string;
  label: string;
  active: boolean;
  title: string;
}) {
  const target = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | undefined>(undefined);
  const [state, setState] = useState<'connecting' | 'connected' | 'disconnected'>('connecting');
  useEffect(() => {
    if (!target.current) return;
    const url = window.cloison?.vncUrl?.(props.level) ?? vncUrl(props.level);
    const rfb = new RFB(target.current, url, { shared: true });
    rfb.scaleViewport = true;
    rfb.viewOnly = true;
    rfb.background = '#222';
    rfbRef.current = rfb;
    const unregister = registerDisplay(props.level, rfb);
    rfb.addEventListener('connect', () => setState('connected'));
    rfb.addEventListener('disconnect', () => setState('disconnected'));
    return () => {
      unregister();
      rfb.disconnect();
      rfbRef.current = undefined;
    };
  }, [props.level]);
  useEffect(() => {
    if (rfbRef.current) rfbRef.current.viewOnly = !props.active;
  }, [props.active]);
  return (
    <div
      className="level-display"
      role="application"
      aria-label={props.title}
      data-testid={`display-${props.level}`}
      data-state={state}
      ref={target}
    />
  );
}
