// Web apps of a level: WebContentsViews in the level's session partition, made by one function
// that installs every guard before anything loads: permissions denied unless the level grants
// them, navigation limited to the app's origins, window.open kept in the view, downloads saved in
// the level's home, full screen kept inside the content area. An unknown partition is an error.
import { session as electronSession, WebContentsView, type Session } from 'electron';
import { join } from 'node:path';
import { CloisonError } from '../../core/contract/errors.js';
import type { LevelInfo } from '../../core/contract/methods.js';
import {
  downloadName,
  levelOfPartition,
  navigationAllowed,
  partitionFor,
  permissionAllowed,
} from './policy.js';
import { SECURE_WEB_PREFERENCES } from './secure-prefs.js';

type WebApp = LevelInfo['apps'][number];

const prepared = new WeakSet<Session>();

/** The level's session, with its handlers installed once, before any view uses it. */
export function levelSession(level: LevelInfo, levels: LevelInfo[], home: string): Session {
  const partition = partitionFor(level);
  if (levelOfPartition(partition, levels)?.id !== level.id) {
    throw new CloisonError('NO_SUCH_LEVEL', `No level owns the partition ${partition}.`);
  }
  const ses = electronSession.fromPartition(partition, { cache: !level.ephemeral });
  if (prepared.has(ses)) return ses;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    callback(permissionAllowed(level, permission, media));
  });
  ses.setPermissionCheckHandler((_wc, permission) => permissionAllowed(level, permission));
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (_event, item) => {
    item.setSavePath(join(home, 'Downloads', downloadName(item.getFilename())));
  });
  prepared.add(ses);
  return ses;
}

export function createWebAppView(
  level: LevelInfo,
  app: WebApp,
  levels: LevelInfo[],
  home: string,
): WebContentsView {
  if (app.type !== 'web' || !app.url) {
    throw new CloisonError('NO_SUCH_APP', `${app.id} of ${level.id} is not a web app.`);
  }
  const ses = levelSession(level, levels, home);
  const view = new WebContentsView({ webPreferences: { ...SECURE_WEB_PREFERENCES, session: ses } });
  const wc = view.webContents;
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!navigationAllowed(url, app)) event.preventDefault();
  };
  wc.on('will-navigate', guard);
  wc.on('will-redirect', guard);
  wc.on('will-frame-navigate', (event) => {
    if (!navigationAllowed(event.url, app)) event.preventDefault();
  });
  // window.open: followed in the same view (same partition) when allowed, refused otherwise.
  wc.setWindowOpenHandler(({ url }) => {
    if (navigationAllowed(url, app)) void wc.loadURL(url);
    return { action: 'deny' };
  });
  void wc.loadURL(app.url);
  return view;
}
