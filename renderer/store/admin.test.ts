// The admin slice as a specification: it shows what the daemon says (login, validation, closing)
// and keeps nothing of a closed session. The API is scripted here (no daemon in a unit test; the
// e2e tests drive the real one).
import { describe, expect, it, vi } from 'vitest';
import { CloisonError } from '../../core/contract/errors.js';
import type { ShellApi, ShellMethod } from '../../core/contract/shell.js';
import { VALIDATE_DEBOUNCE_MS } from './admin.js';
import { createShellStore } from './store.js';

function scripted(answers: Partial<Record<ShellMethod, (params: unknown) => unknown>>) {
  const calls: { method: string; params: unknown }[] = [];
  const api: ShellApi = {
    mode: 'browser',
    async call(method, params) {
      calls.push({ method, params });
      const answer = answers[method];
      if (!answer) throw new CloisonError('UNKNOWN_METHOD', `not scripted: ${method}`);
      return (await answer(params)) as never;
    },
    onEvent: () => () => {},
    vncUrl: async (level) => `ws://test/vnc/${level}`,
  };
  return { api, calls };
}

const DIGEST = 'a'.repeat(64);
const login = (role: 'admin' | 'auditor') => () => ({
  account: role === 'admin' ? 'alice' : 'audrey',
  role,
  openedAt: '2026-12-04T01:00:00.000Z',
  idleMinutes: 15,
});
const show = () => ({
  file: '/etc/cloison/config.yaml',
  editable: true,
  text: 'rules: []\n',
  digest: DIGEST,
  rulesDigest: DIGEST,
  ruleFiles: [],
  warnings: [],
});
const validate = (params: unknown) => ({
  valid: !(params as { text: string }).text.includes('acton'),
  problems: [],
  warnings: [],
  diff: [],
});

describe('admin slice', () => {
  describe('when the login is refused', () => {
    it('shows the daemon’s words and opens nothing', async () => {
      const { api } = scripted({
        'session.login': () => {
          throw new CloisonError('LOGIN_FAILED', 'Wrong account or passphrase.');
        },
      });
      const store = createShellStore(api);
      expect(await store.getState().adminLogin('alice', 'nope')).toBe(false);
      expect(store.getState().login).toBeUndefined();
      expect(store.getState().adminNotice).toBe('Wrong account or passphrase.');
    });
  });

  describe('as an administrator', () => {
    it('loads the text in force and validates it with the daemon', async () => {
      const { api, calls } = scripted({
        'session.login': login('admin'),
        'config.show': show,
        'config.validate': validate,
      });
      const store = createShellStore(api);
      await store.getState().adminLogin('alice', 'right');
      expect(store.getState().draft).toBe('rules: []\n');
      expect(calls.map((c) => c.method)).toEqual([
        'session.login',
        'config.show',
        'config.validate',
      ]);
      expect(store.getState().validatedDraft).toBe('rules: []\n');
    });

    it('drops a late validation of an older draft', async () => {
      let release: () => void = () => {};
      const slow = new Promise<void>((r) => (release = r));
      const { api } = scripted({
        'session.login': login('admin'),
        'config.show': show,
        'config.validate': async (params) => {
          if ((params as { text: string }).text === 'old') await slow;
          return validate(params);
        },
      });
      const store = createShellStore(api);
      await store.getState().adminLogin('alice', 'right');
      store.setState({ draft: 'old' });
      const first = store.getState().validateDraft();
      store.setState({ draft: 'new' });
      await store.getState().validateDraft();
      release();
      await first;
      expect(store.getState().validatedDraft).toBe('new');
    });
  });

  describe('as an auditor', () => {
    it('never asks the daemon to validate (the role reads only)', async () => {
      const { api, calls } = scripted({ 'session.login': login('auditor'), 'config.show': show });
      const store = createShellStore(api);
      await store.getState().adminLogin('audrey', 'right');
      vi.useFakeTimers();
      try {
        store.getState().editDraft('rules: [changed]\n');
        await vi.advanceTimersByTimeAsync(10 * VALIDATE_DEBOUNCE_MS);
      } finally {
        vi.useRealTimers();
      }
      expect(calls.map((c) => c.method)).toEqual(['session.login', 'config.show']);
    });
  });

  describe('when the daemon closes the session', () => {
    it('says why, in a notification too, and forgets what the session read', async () => {
      const { api } = scripted({
        'session.login': login('admin'),
        'config.show': show,
        'config.validate': validate,
      });
      const store = createShellStore(api);
      await store.getState().adminLogin('alice', 'right');
      store.getState().receive({ type: 'session.closed', reason: 'idle for 15 minutes' });
      const s = store.getState();
      expect(s.login).toBeUndefined();
      expect(s.shown).toBeUndefined();
      expect(s.draft).toBe('');
      expect(s.adminNotice).toBe('The administration session closed: idle for 15 minutes');
      expect(s.notifications.at(-1)?.text).toBe(s.adminNotice);
    });

    it('takes the audit live tail only while a session is open', () => {
      const store = createShellStore(scripted({}).api);
      const entry = {
        seq: 1,
        time: '2026-12-04T01:00:00.000Z',
        actor: 'bob',
        event: 'transfer.denied',
        prev: DIGEST,
        hash: DIGEST,
      };
      store.getState().receive({ type: 'audit.entry', entry });
      expect(store.getState().auditTail).toEqual([]);
    });
  });
});
