// The part of noVNC's RFB client the shell uses (the package ships no type definitions).
declare module '@novnc/novnc' {
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, url: string, options?: { shared?: boolean });
    viewOnly: boolean;
    scaleViewport: boolean;
    resizeSession: boolean;
    focusOnClick: boolean;
    background: string;
    focus(options?: FocusOptions): void;
    blur(): void;
    disconnect(): void;
  }
}
