// The versions of the renderers the document sanitisers run, for the audit log: a sanitiser's
// version names the code that made what crossed. Read once, from the installed tools.
import { spawnSync } from 'node:child_process';

const found = new Map<string, string>();

/** stdout and stderr of a short command (pdftoppm -v speaks on stderr); empty if it cannot run. */
function output(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
}

/** "poppler 22.12.0", "LibreOffice 4:7.4.7-1+deb12u14", or "<tool> not installed". */
export function toolVersion(tool: 'poppler' | 'libreoffice'): string {
  let version = found.get(tool);
  if (version !== undefined) return version;
  if (tool === 'poppler') {
    const m = /pdftoppm version (\S+)/.exec(output('/usr/bin/pdftoppm', ['-v']));
    version = m ? `poppler ${m[1]}` : 'poppler not installed';
  } else {
    const out = output('/usr/bin/dpkg-query', ['-W', '-f=${Version}\\n', 'libreoffice-common']);
    const v = out.split('\n').find((l) => /^\d\S*$/.test(l.trim()));
    version = v ? `LibreOffice ${v.trim()}` : 'LibreOffice not installed';
  }
  found.set(tool, version);
  return version;
}
