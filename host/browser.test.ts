// The shell's browser command line carries no secret, and keeps Chromium's sandbox where it can.
import { describe, expect, it } from 'vitest';
import { browserArgs, openerPage } from './browser.js';

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
});
