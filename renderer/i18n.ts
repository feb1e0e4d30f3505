// The shell's words in English and French; the locale comes from the system (navigator.language)
// unless the settings override it. Plain functions: no markup, no HTML in translations.
export type Locale = 'en' | 'fr';

const en = {
  levelBar: 'Levels',
  level: 'Level',
  active: 'active',
  rank: 'rank {rank}',
  running: 'running',
  stopped: 'stopped',
  apps: 'Apps',
  launch: 'Launch {app}',
  launcher: 'Launcher',
  runningApps: 'Running apps',
  noRunningApps: 'No app is running in this level.',
  stop: 'Stop',
  stopApp: 'Stop {app}',
  startLevel: 'Start level',
  stopLevel: 'Stop level',
  display: 'Display of level {level} (Ctrl+Alt+0 gives the keyboard back to the shell)',
  notRunning: 'Level {level} is not running. Launch an app to start it.',
  nowIn: 'Now in level {level}',
  notifications: 'Notifications',
  dismiss: 'Dismiss',
  captured:
    'Captured {bytes} bytes ({types}) from {level}. Press Ctrl+Shift+V in the target level.',
  delivered: '{bytes} bytes ({types}) delivered from {from} to {to} by rule {rule}. {outcome}',
  refused: 'Refused: {reason}',
  refusedRule: 'Refused from {from} to {to} by rule {rule}: {reason}',
  waitingApproval: 'Transfer {id} waits for an administrator (rule {rule}).',
  sendFiles: 'Send files to level…',
  sendFilesTitle: 'Send files from {level}',
  home: 'home',
  up: 'Up',
  targetLevel: 'Target level',
  wouldDecide: 'The rules would decide: {action} ({rule})',
  send: 'Send',
  cancel: 'Cancel',
  close: 'Close',
  nothingSelected: 'Select at least one file.',
  confirmTitle: 'Confirm a transfer',
  confirmIntro: 'The rule {rule} asks you to confirm this transfer from {from} to {to}.',
  confirmIntroRules: 'The rules {rule} ask you to confirm this transfer from {from} to {to}.',
  ruleColumn: 'Rule',
  name: 'Name',
  type: 'Type (from the bytes)',
  size: 'Size',
  sha256: 'SHA-256',
  confirm: 'Send it',
  refuse: 'Do not send',
  arrived: 'Arrived in this level',
  arrivedItem: '{name} from {from} ({bytes} bytes)',
  progress: 'Transfer {id}: {done} of {total} bytes',
  settings: 'Settings',
  language: 'Language',
  system: 'System',
  folder: 'folder',
  file: 'file',
  other: 'not sendable',
  unnamable: '{count} names are not UTF-8 and cannot be sent.',
  error: 'Error {code}: {message}',
  kioskReset: 'The session was reset: nothing of the last person is left.',
  kioskAppFailed: '{app} stopped working',
  kioskAppFailedHelp: 'It ended several times in a short while, so it is not restarted again.',
  tryAgain: 'Try again',
  daemonLost: 'The Cloison service is out of reach; reconnecting…',
  daemonBack: 'Reconnected to the Cloison service.',
  administrator: 'Administrator',
  unlockTitle: 'Unlock the kiosk’s exit',
  account: 'Account',
  passphrase: 'Passphrase',
  unlock: 'Unlock',
  unlockUnavailable: 'This shell has no exit to unlock.',
};
export type Key = keyof typeof en;

const fr: Record<Key, string> = {
  levelBar: 'Niveaux',
  level: 'Niveau',
  active: 'actif',
  rank: 'rang {rank}',
  running: 'en marche',
  stopped: 'arrêté',
  apps: 'Applications',
  launch: 'Lancer {app}',
  launcher: 'Lanceur',
  runningApps: 'Applications en cours',
  noRunningApps: 'Aucune application ne tourne dans ce niveau.',
  stop: 'Arrêter',
  stopApp: 'Arrêter {app}',
  startLevel: 'Démarrer le niveau',
  stopLevel: 'Arrêter le niveau',
  display: 'Écran du niveau {level} (Ctrl+Alt+0 rend le clavier au shell)',
  notRunning: 'Le niveau {level} est arrêté. Lancez une application pour le démarrer.',
  nowIn: 'Vous êtes dans le niveau {level}',
  notifications: 'Notifications',
  dismiss: 'Fermer',
  captured:
    '{bytes} octets ({types}) capturés depuis {level}. Appuyez sur Ctrl+Maj+V dans le niveau cible.',
  delivered: '{bytes} octets ({types}) livrés de {from} vers {to} par la règle {rule}. {outcome}',
  refused: 'Refusé : {reason}',
  refusedRule: 'Refusé de {from} vers {to} par la règle {rule} : {reason}',
  waitingApproval: 'Le transfert {id} attend un administrateur (règle {rule}).',
  sendFiles: 'Envoyer des fichiers vers un niveau…',
  sendFilesTitle: 'Envoyer des fichiers depuis {level}',
  home: 'dossier personnel',
  up: 'Remonter',
  targetLevel: 'Niveau cible',
  wouldDecide: 'Les règles décideraient : {action} ({rule})',
  send: 'Envoyer',
  cancel: 'Annuler',
  close: 'Fermer',
  nothingSelected: 'Choisissez au moins un fichier.',
  confirmTitle: 'Confirmer un transfert',
  confirmIntro: 'La règle {rule} vous demande de confirmer ce transfert de {from} vers {to}.',
  confirmIntroRules:
    'Les règles {rule} vous demandent de confirmer ce transfert de {from} vers {to}.',
  ruleColumn: 'Règle',
  name: 'Nom',
  type: 'Type (d’après le contenu)',
  size: 'Taille',
  sha256: 'SHA-256',
  confirm: 'Envoyer',
  refuse: 'Ne pas envoyer',
  arrived: 'Arrivé dans ce niveau',
  arrivedItem: '{name} depuis {from} ({bytes} octets)',
  progress: 'Transfert {id} : {done} sur {total} octets',
  settings: 'Réglages',
  language: 'Langue',
  system: 'Système',
  folder: 'dossier',
  file: 'fichier',
  other: 'non envoyable',
  unnamable: '{count} noms ne sont pas en UTF-8 et ne peuvent pas être envoyés.',
  error: 'Erreur {code} : {message}',
  kioskReset: 'La session a été réinitialisée : il ne reste rien de la personne précédente.',
  kioskAppFailed: '{app} ne fonctionne plus',
  kioskAppFailedHelp:
    'Elle s’est arrêtée plusieurs fois en peu de temps ; elle n’est plus redémarrée.',
  tryAgain: 'Réessayer',
  daemonLost: 'Le service Cloison est injoignable ; reconnexion…',
  daemonBack: 'Reconnecté au service Cloison.',
  administrator: 'Administration',
  unlockTitle: 'Déverrouiller la sortie de la borne',
  account: 'Compte',
  passphrase: 'Phrase de passe',
  unlock: 'Déverrouiller',
  unlockUnavailable: 'Cette interface n’a pas de sortie à déverrouiller.',
};

const dictionaries: Record<Locale, Record<Key, string>> = { en, fr };

export function systemLocale(languages: readonly string[] = navigatorLanguages()): Locale {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

function navigatorLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

export function translate(
  locale: Locale,
  key: Key,
  vars: Record<string, string | number> = {},
): string {
  return dictionaries[locale][key].replace(/\{(\w+)\}/gu, (_, k: string) =>
    k in vars ? String(vars[k]) : `{${k}}`,
  );
}
