// A level's display, shown through noVNC from the VNC bridge of the host: native apps (and, in the
// browser host, web apps run as a browser inside the level) appear here. Only the active level's
// display takes keys; the others are view-only. A dropped connection (the daemon restarted the
// level's remote-display server, or the host its bridge) is made again, sooner after a success.
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState } from 'react';
import { registerDisplay } from '../displays.js';

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

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
  /** Bumped to connect again; `drops` counts drops since the last connection, for the delay. */
  const [attempt, setAttempt] = useState(0);
  const drops = useRef(0);
  useEffect(() => {
    const element = target.current;
    if (!element) return;
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let cleanup = () => {};
    void props.url(props.level).then((url) => {
      if (!live) return;
      const rfb = new RFB(element, url, { shared: true });
      rfb.scaleViewport = true;
      rfb.viewOnly = !activeRef.current;
      rfb.background = '#222';
      rfbRef.current = rfb;
      const unregister = registerDisplay(props.level, rfb);
      rfb.addEventListener('connect', () => {
        drops.current = 0;
        setState('connected');
      });
      rfb.addEventListener('disconnect', () => {
        setState('disconnected');
        if (!live) return;
        // While the level runs this view stays: try again, every 5 s at most once it keeps failing.
        const delay = Math.min(RETRY_FIRST_MS * 2 ** drops.current, RETRY_MAX_MS);
        drops.current++;
        retry = setTimeout(() => setAttempt((a) => a + 1), delay);
      });
      cleanup = () => {
        unregister();
        rfb.disconnect();
        rfbRef.current = undefined;
      };
    });
    return () => {
      live = false;
      clearTimeout(retry);
      cleanup();
    };
  }, [props.level, props.url, attempt]);

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
