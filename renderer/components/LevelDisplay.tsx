// A level's display, shown through noVNC from the VNC bridge of the host: native apps (and, in the
// browser host, web apps run as a browser inside the level) appear here. Only the active level's
// display takes keys; the others are view-only.
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';
import { registerDisplay } from '../displays.js';

export function LevelDisplay(props: {
  level: string;
  label: string;
  active: boolean;
  title: string;
  url: (level: string) => Promise<string>;
}) {
  const target = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | undefined>(undefined);
  const activeRef = useRef(props.active);
  activeRef.current = props.active;
  const [state, setState] = useState<'connecting' | 'connected' | 'disconnected'>('connecting');
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    let live = true;
    let cleanup = () => {};
    void props.url(props.level).then((url) => {
      if (!live) return;
      const rfb = new RFB(element, url, { shared: true });
      rfb.scaleViewport = true;
      rfb.viewOnly = !activeRef.current;
      rfb.background = '#222';
      rfbRef.current = rfb;
      const unregister = registerDisplay(props.level, rfb);
      rfb.addEventListener('connect', () => setState('connected'));
      rfb.addEventListener('disconnect', () => setState('disconnected'));
      cleanup = () => {
        unregister();
        rfb.disconnect();
        rfbRef.current = undefined;
      };
    });
    return () => {
      live = false;
      cleanup();
    };
  }, [props.level, props.url]);

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
