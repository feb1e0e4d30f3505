// The shell's own page, served from the `cloison://shell/` protocol with the same strict
// Content-Security-Policy as the browser host: its own files only, nothing inline.
import { net, protocol } from 'electron';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SHELL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  // The level displays come from the main process's VNC bridge on loopback.
  "connect-src 'self' ws://127.0.0.1:*",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Before app ready: the scheme is standard and secure (an origin of its own, fetch allowed). */
export function registerShellScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'cloison', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function serveShell(rendererDir: string): void {
  protocol.handle('cloison', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'shell') return new Response('Not found', { status: 404 });
    const name = url.pathname === '/' ? 'index.html' : url.pathname.replace(/^\/assets\//u, '');
    const file = normalize(join(rendererDir, name));
    if (!file.startsWith(rendererDir + '/') || !['.html', '.js', '.css'].includes(extname(file))) {
      return new Response('Not found', { status: 404 });
    }
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', SHELL_CSP);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}
