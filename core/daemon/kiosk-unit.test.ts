// The kiosk session's systemd unit and its start script, as a system install ships them: the unit
// passes systemd-analyze verify (and a broken one does not), restarts the shell whatever ends it,
// and the script says in one line why it cannot start where no packaged shell exists.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../testing/daemon.js';

describe('the kiosk session unit', () => {
  const unit = readFileSync(join(root, 'deploy/systemd/cloison-kiosk.service'), 'utf8');
  /** As installed under /usr/lib/cloison (systemd-analyze checks that ExecStart's program exists). */
  const verify = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'cloison-unit-'));
    writeFileSync(join(dir, 'cloison-kiosk.service'), text.replaceAll('/usr/lib/cloison', root));
    const result = spawnSync('systemd-analyze', ['verify', join(dir, 'cloison-kiosk.service')], {
      encoding: 'utf8',
    });
    return { code: result.status, errors: result.stderr };
  };

  it('passes systemd-analyze verify, with nothing to say', () => {
    expect(verify(unit)).toEqual({ code: 0, errors: '' });
  });

  it('is one systemd would refuse if it were wrong (the control)', () => {
    expect(verify(unit.replace('Restart=always', 'Restart=sometimes')).errors).toMatch(
      /Failed to parse service restart specifier/,
    );
    expect(verify(unit.replace('StandardInput=tty-fail', 'StandardInput=keyboard')).errors).toMatch(
      /Failed to parse/,
    );
    const missing = verify(unit.replace('bin/cloison-kiosk-session', 'bin/nope'));
    expect(missing.code).not.toBe(0);
  });

  it('restarts the shell whatever ends it, runs as the kiosk account on its own tty', () => {
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^StartLimitIntervalSec=0$/m);
    expect(unit).toMatch(/^User=cloison-kiosk$/m);
    expect(unit).toMatch(/^SupplementaryGroups=cloison-users$/m);
    expect(unit).not.toMatch(/cloison-admins/);
    expect(unit).toMatch(/^TTYPath=\/dev\/tty7$/m);
  });

  it('gives the compositor a runtime folder of its own, and cage no console switching', () => {
    // ProtectHome=tmpfs hides /run/user: without its own folder, cage has no Wayland socket.
    expect(unit).toMatch(/^RuntimeDirectory=cloison-kiosk$/m);
    expect(unit).toMatch(/^Environment=XDG_RUNTIME_DIR=\/run\/cloison-kiosk$/m);
    const script = readFileSync(join(root, 'bin/cloison-kiosk-session'), 'utf8');
    const cage = script.split('\n').find((l) => l.startsWith('exec cage'))!;
    // cage's -s *allows* Ctrl+Alt+Fn to another console, out of the kiosk.
    expect(cage.split(' ')).not.toContain('-s');
  });

  it('has a start script that says in one line why it cannot run here, and exits 78', () => {
    // Where no packaged Electron shell sits beside bin/ (this checkout), it refuses, with the reason.
    const run = spawnSync(join(root, 'bin/cloison-kiosk-session'), [], { encoding: 'utf8' });
    expect(run.status).toBe(78);
    expect(run.stderr.trim().split('\n')).toEqual([
      `cloison-kiosk-session: no Electron shell at ${join(root, 'cloison')} (install the cloison package); not starting`,
    ]);
  });
});
