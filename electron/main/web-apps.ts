// The web apps on screen in the Electron shell: one view per opened app, made by the view factory
// (views.ts), placed in the active workspace's app area below the level bar, and shown only while
// their level is active, so no level's page is ever over another level's workspace or the bar.
// A kiosk's session reset closes them all and empties the ephemeral levels' partitions.
import { session as electronSession, type BaseWindow, type WebContentsView } from 'electron';
import type { LevelInfo } from '../../core/contract/methods.js';
import type { AppArea } from './ipc.js';
import { partitionFor } from './policy.js';
import { createWebAppView } from './views.js';

export class WebApps {
  private readonly views = new Map<string, { level: string; view: WebContentsView }>();
  private area: AppArea = { x: 0, y: 0, width: 0, height: 0 };
  private active: string | undefined;
  private shown: string | undefined;

  constructor(
    private readonly window: BaseWindow,
    private readonly levels: () => LevelInfo[],
    private readonly homeOf: (level: LevelInfo) => string,
    private readonly log: (line: string) => void,
  ) {}

  open(levelId: string, appId: string): void {
    const level = this.levels().find((l) => l.id === levelId);
    const app = level?.apps.find((a) => a.id === appId && a.type === 'web');
    if (!level || !app) return this.log(`no web app ${appId} in level ${levelId}`);
    const key = `${level.id}/${app.id}`;
    if (!this.views.has(key)) {
      const view = createWebAppView(level, app, this.levels(), this.homeOf(level));
      // Full screen from the page stays inside the app area: the bar is never covered.
      view.webContents.on('enter-html-full-screen', () => this.place());
      view.webContents.on('destroyed', () => this.views.delete(key));
      this.window.contentView.addChildView(view);
      this.views.set(key, { level: level.id, view });
    }
    this.shown = key;
    this.place();
  }

  /**
   * The kiosk's session reset: every web app's view is closed (its pages, its scripts), and each
   * ephemeral level's partition loses what the last person left there (cookies, storage, cache).
   * A non-ephemeral level's partition is kept, as its home is: that is what non-ephemeral means.
   */
  async reset(): Promise<void> {
    for (const [key, { view }] of this.views) {
      this.window.contentView.removeChildView(view);
      view.webContents.close();
      this.views.delete(key);
    }
    this.shown = undefined;
    for (const level of this.levels().filter((l) => l.ephemeral)) {
      const ses = electronSession.fromPartition(partitionFor(level), { cache: false });
      await ses.clearStorageData();
      await ses.clearCache();
      await ses.clearAuthCache();
    }
    this.place();
  }

  levelSwitched(level: string): void {
    this.active = level;
    if (this.shown && this.views.get(this.shown)?.level !== level) {
      this.shown = [...this.views.entries()].find(([, v]) => v.level === level)?.[0];
    }
    this.place();
  }

  setArea(area: AppArea): void {
    this.area = area;
    this.place();
  }

  private place(): void {
    for (const [key, { level, view }] of this.views) {
      const visible = key === this.shown && level === this.active;
      view.setVisible(visible);
      if (visible) view.setBounds(this.area);
    }
  }
}
