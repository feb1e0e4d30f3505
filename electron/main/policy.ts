// The Electron shell's decisions about its own surfaces, as pure functions (tested under plain
// Node): which partition a level's web apps use, where they may navigate, what they may be
// granted, and whether a sender is the shell's own page. URLs are parsed, never prefix-compared.
import type { LevelInfo } from '../../core/contract/methods.js';
import type { WebPermission } from '../../core/contract/config.js';

export const SHELL_ORIGIN = 'cloison://shell';

/** `persist:level-<id>`, or in memory (`level-<id>`) for an ephemeral level. */
export function partitionFor(level: Pick<LevelInfo, 'id' | 'ephemeral'>): string {
  return level.ephemeral ? `level-${level.id}` : `persist:level-${level.id}`;
}

/** The level a partition belongs to; undefined for any other partition (never a fallback). */
export function levelOfPartition(partition: string, levels: LevelInfo[]): LevelInfo | undefined {
  return levels.find((l) => partitionFor(l) === partition);
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** A web app may go to its own URL's origin and to the origins its level's configuration lists. */
export function navigationAllowed(
  url: string,
  app: { url?: string | undefined; origins?: string[] | undefined },
): boolean {
  const target = originOf(url);
  if (!target) return false;
  const allowed = new Set(
    [app.url, ...(app.origins ?? [])].map((u) => (u ? originOf(u) : undefined)).filter(Boolean),
  );
  return allowed.has(target);
}

/** Electron's permission names, mapped to the level settings that may grant them. */
const PERMISSION: Record<string, WebPermission> = {
  media: 'camera',
  'video-capture': 'camera',
  'audio-capture': 'microphone',
  geolocation: 'geolocation',
  notifications: 'notifications',
  'clipboard-read': 'clipboard-read',
  'clipboard-sanitized-write': 'clipboard-sanitized-write',
  fullscreen: 'fullscreen',
  mediaKeySystem: 'media-key-system',
};

/**
 * Deny by default: only a permission the level lists is granted. `media` asks for camera and/or
 * microphone: each requested kind must be granted.
 */
export function permissionAllowed(
  level: Pick<LevelInfo, 'webPermissions'>,
  permission: string,
  mediaTypes: readonly string[] = [],
): boolean {
  const granted = new Set(level.webPermissions ?? []);
  if (permission === 'media') {
    if (mediaTypes.length === 0) return false;
    return mediaTypes.every((t) =>
      t === 'video' ? granted.has('camera') : t === 'audio' ? granted.has('microphone') : false,
    );
  }
  const needed = PERMISSION[permission];
  return needed !== undefined && granted.has(needed);
}

/** True only for the shell's own page, served from its custom protocol. */
export function isShellUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'cloison:' && u.host === 'shell';
  } catch {
    return false;
  }
}

/** A download's file name, made safe for the level's Downloads folder (no folders, no dot-files). */
export function downloadName(suggested: string): string {
  const base = suggested.split(/[/\\]/u).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .replace(/^\.+/u, '')
    .trim();
  return clean.slice(0, 200) || 'download';
}
