// Administrators' and auditors' sessions on top of connections: opened by the passphrase step,
// closed by logout, by the connection's end or after the configured idle time, each of these
// audited. While open, a session may call what its login's role serves (see dispatch.ts).
import type { Session } from '../daemon/dispatch.js';
import { Logins, type LoginSettings } from './logins.js';

export interface AdminSessionsDeps {
  settings: () => LoginSettings;
  /** Appends to the audit log; a failure refuses the login (every admin session is recorded). */
  audit: (fields: { actor: string; event: string } & Record<string, unknown>) => Promise<void>;
}

export class AdminSessions {
  private readonly logins: Logins;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: AdminSessionsDeps) {
    this.logins = new Logins(deps.settings);
  }

  async login(session: Session, account: string, passphrase: string) {
    if (session.login) await this.logout(session, 'replaced by a new login');
    let login;
    try {
      login = await this.logins.open(account, passphrase);
    } catch (err) {
      await this.deps
        .audit({
          actor: `${session.actor} (${session.id})`,
          event: 'admin.login.refused',
          account,
          failures: this.logins.failuresOf(account),
        })
        .catch(() => undefined);
      throw err;
    }
    // Audited before it is opened: an administrator's session the log does not know of never is.
    await this.deps.audit({
      actor: `${login.account} (${session.id})`,
      event: 'admin.login',
      role: login.role,
      socket: session.role,
      shellUser: session.actor,
    });
    session.login = login;
    session.touch = () => this.arm(session);
    this.arm(session);
    return { ...login, openedAt: login.openedAt.toISOString(), idleMinutes: this.idleMinutes() };
  }

  /** Closes the session's login, if any; resolves whether there was one. */
  async logout(session: Session, reason: string): Promise<boolean> {
    const login = session.login;
    if (!login) return false;
    session.login = undefined;
    session.touch = undefined;
    clearTimeout(this.timers.get(session.id));
    this.timers.delete(session.id);
    await this.deps
      .audit({
        actor: `${login.account} (${session.id})`,
        event: 'admin.logout',
        role: login.role,
        reason,
      })
      .catch(() => undefined);
    session.notify({ type: 'session.closed', reason });
    return true;
  }

  private idleMinutes(): number {
    return this.deps.settings().idleMinutes;
  }

  /** (Re)starts the idle timer: an administration call keeps the session open. */
  private arm(session: Session): void {
    clearTimeout(this.timers.get(session.id));
    const minutes = this.idleMinutes();
    const timer = setTimeout(
      () => void this.logout(session, `idle for ${minutes} minutes`),
      minutes * 60_000,
    );
    timer.unref();
    this.timers.set(session.id, timer);
  }
}
