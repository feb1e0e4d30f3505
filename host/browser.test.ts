// The shell's browser command line carries no secret, and keeps Chromium's sandbox where it can.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { browserArgs, openerPage, tiedToThisProcess } from './browser.js';

describe("the shell's browser", () => {
  const link = 'http://127.0.0.1:4000/session?token=SECRETTOKEN&x="<y>';

  it('is given an opener file, never the one-time link', () => {
    const argv = browserArgs('/tmp/p', '/tmp/p/open.html', 1000);
    expect(argv).toContain('--app=file:///tmp/p/open.html');
    expect(argv.join(' ')).not.toContain('SECRETTOKEN');
  });

  it("keeps Chromium's sandbox unless it runs as root", () => {
    expect(browserArgs('/tmp/p', '/tmp/p/open.html', 1000)).not.toContain('--no-sandbox');
    expect(browserArgs('/tmp/p', '/tmp/p/open.html', 0)).toContain('--no-sandbox');
  });

  it('opens the link from the opener, with the link escaped for the attribute', () => {
    const page = openerPage(link);
    expect(page).toContain(
      'content="0;url=http://127.0.0.1:4000/session?token=SECRETTOKEN&amp;x=&quot;&lt;y>"',
    );
  });

  it('ends with the host, even when the host is killed outright', async () => {
    // A host that starts a child tied to it, prints the child's pid, and is then SIGKILLed.
    const argv = JSON.stringify(tiedToThisProcess(['sleep', '300'], 'KILL'));
    const host = spawn(process.execPath, [
      '-e',
      `const c = require('child_process').spawn(${argv}[0], ${argv}.slice(1), { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`,
    ]);
    const pid = await new Promise<number>((resolve) =>
      host.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    host.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });
});
