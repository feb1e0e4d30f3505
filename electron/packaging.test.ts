// Packaging, as far as this machine allows: the bundles Forge's Vite plugin builds (main, preload,
// renderer) are built here for real from the same configs, the fuses turn off what a shipped shell
// must not have, the .deb names its dependencies and maintainer scripts, electron-builder's and
// Forge's own loaders accept the configurations (no packaging starts), and `npm run package` /
// `npm run dist` say in one line that no Electron runtime is here (where there is none).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options } from '@electron/fuses';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../core/testing/daemon.js';
import { fuses } from '../forge.config.js';

const hasElectron = (() => {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path);
  } catch {
    return false;
  }
})();

describe('packaging', () => {
  describe('the bundles Forge builds, built with its Vite configs', () => {
    const out = mkdtempSync(join(tmpdir(), 'cloison-vite-'));
    beforeAll(async () => {
      for (const name of ['main', 'preload', 'renderer']) {
        await build({
          configFile: join(root, `vite.${name}.config.ts`),
          root: name === 'renderer' ? join(root, 'renderer') : root,
          logLevel: 'silent',
          build: {
            outDir: join(out, name === 'renderer' ? 'renderer' : 'build'),
            emptyOutDir: name === 'renderer',
          },
        });
      }
    }, 180_000);
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it('makes one CommonJS main process with Electron and Node external', () => {
      const main = readFileSync(join(out, 'build/main.cjs'), 'utf8');
      expect(main).toMatch(/require\(["']electron["']\)/u);
      expect(main).toContain('web-contents-created');
      expect(main).toContain('before-input-event');
      // Node's build of ws, not its browser stub.
      expect(main).not.toContain('ws does not work in the browser');
      expect(main).not.toMatch(/^import /mu);
    });

    it('makes the preload one file that requires Electron alone', () => {
      const preload = readFileSync(join(out, 'build/preload.cjs'), 'utf8');
      const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/gu)].map((m) => m[1]);
      expect(new Set(required)).toEqual(new Set(['electron']));
      expect(preload).toContain('exposeInMainWorld');
    });

    it('makes the renderer in the layout the shell’s protocol serves', () => {
      const files = readdirSync(join(out, 'renderer')).sort();
      expect(files).toEqual(['index.html', 'shell.css', 'shell.js']);
      const html = readFileSync(join(out, 'renderer/index.html'), 'utf8');
      expect(html).toContain('src="/assets/shell.js"');
      expect(html).toContain('href="/assets/shell.css"');
      expect(readFileSync(join(out, 'renderer/shell.css'), 'utf8')).toContain('.kiosk-error');
    });
  });

  describe('the fuses', () => {
    it.each([
      ['running as Node', FuseV1Options.RunAsNode, false],
      ['NODE_OPTIONS', FuseV1Options.EnableNodeOptionsEnvironmentVariable, false],
      ['inspector arguments', FuseV1Options.EnableNodeCliInspectArguments, false],
      ['an app from outside its asar', FuseV1Options.OnlyLoadAppFromAsar, true],
      ['asar integrity', FuseV1Options.EnableEmbeddedAsarIntegrityValidation, true],
    ])('set %s', (_name, fuse, value) => {
      expect((fuses as Record<number, unknown>)[fuse]).toBe(value);
    });
  });

  describe('the configurations, read by the tools themselves', () => {
    /** electron-builder's own validation (its schema and its checks), as `npm run dist` runs it. */
    const validate = (config: unknown) => {
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `require('app-builder-lib/out/util/config/config.js').validateConfiguration(JSON.parse(process.argv[1]), { isEnabled: false, add() {} }).then(() => console.log('valid'), (e) => { console.log(e.message); process.exitCode = 1; });`,
          JSON.stringify(config),
        ],
        { cwd: root, encoding: 'utf8' },
      );
      return { ok: run.status === 0, said: run.stdout + run.stderr };
    };

    it('has electron-builder accept electron-builder.json, and refuse a misspelt option', () => {
      const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
        deb: Record<string, unknown>;
      };
      expect(validate(config)).toEqual({ ok: true, said: 'valid\n' });
      // The control: the validation does refuse what it does not know (a comment key once did).
      const misspelt = { ...config, deb: { ...config.deb, afterInstal: 'x' } };
      expect(validate(misspelt).ok).toBe(false);
      expect(validate({ ...config, $comment: 'x' }).said).toMatch(/unknown property '\$comment'/);
    });

    it('has Forge load forge.config.ts with its Vite and fuses plugins', () => {
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `require('@electron-forge/core/dist/util/forge-config.js').default(process.cwd()).then((c) => console.log(JSON.stringify({ plugins: c.plugins.map((p) => p.name), asar: c.packagerConfig.asar })), (e) => { console.log(e.message); process.exitCode = 1; });`,
        ],
        { cwd: root, encoding: 'utf8' },
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({
        plugins: ['vite', 'fuses'],
        asar: true,
      });
    });
  });

  describe('the .deb', () => {
    const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
      linux: { target: string[] };
      deb: { depends: string[]; afterInstall: string; afterRemove: string };
      extraFiles: { from: string }[];
    };

    it('makes a .deb and an AppImage, depending on bubblewrap and the display servers', () => {
      expect(config.linux.target).toEqual(['deb', 'AppImage']);
      expect(config.deb.depends).toEqual(
        expect.arrayContaining(['bubblewrap', 'xvfb', 'x11vnc', 'cage', 'perl-base']),
      );
    });

    it('carries the units, and maintainer scripts that make the accounts and parse', () => {
      // Each source is in the repository, but the daemon's libraries, which `npm run dist` stages.
      for (const entry of config.extraFiles)
        if (entry.from !== 'out/daemon-modules')
          expect(existsSync(join(root, entry.from))).toBe(true);
      for (const script of [config.deb.afterInstall, config.deb.afterRemove]) {
        expect(spawnSync('sh', ['-n', join(root, script)]).status).toBe(0);
      }
      const postinst = readFileSync(join(root, config.deb.afterInstall), 'utf8');
      for (const account of ['cloison', 'cloison-kiosk'])
        expect(postinst).toContain(`getent passwd ${account}`);
      for (const unit of ['cloisond.service', 'cloison-kiosk.service']) {
        expect(postinst).toContain(`deploy/systemd/${unit}`);
        expect(existsSync(join(root, 'deploy/systemd', unit))).toBe(true);
      }
    });
  });

  describe('the .deb, more closely', () => {
    const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
      deb: { afterRemove: string };
      extraFiles: { from: string }[];
    };

    it("carries the daemon's libraries, without which bin/cloisond cannot start", () => {
      expect(config.extraFiles).toContainEqual({ from: 'out/daemon-modules', to: 'node_modules' });
    });

    it('carries only the production libraries, not the tools that build and test it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cloison-modules-'));
      try {
        const staged = join(dir, 'node_modules');
        const made = spawnSync(process.execPath, [join(root, 'tools/daemon-modules.mjs'), staged], {
          encoding: 'utf8',
        });
        expect(made.status, made.stderr).toBe(0);
        const names = readdirSync(staged);
        for (const needed of ['sharp', 'yaml', 'zod', 'ws', 'file-type', 'html-to-text'])
          expect(names).toContain(needed);
        // sharp's native part for this machine, which is an optional dependency.
        expect(readdirSync(join(staged, '@img')).some((n) => n.startsWith('sharp-linux'))).toBe(
          true,
        );
        for (const tool of ['vitest', 'electron', 'playwright-core', 'electron-builder', 'vite'])
          expect(names).not.toContain(tool);
        expect(names).not.toContain('.bin');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('disables and removes nothing on an upgrade, only on remove or purge', () => {
      // The commands it may run, replaced by stubs that say they were called.
      const dir = mkdtempSync(join(tmpdir(), 'cloison-postrm-'));
      const log = join(dir, 'calls');
      for (const name of ['systemctl', 'rm', 'deluser', 'delgroup']) {
        writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n`, {
          mode: 0o755,
        });
      }
      const run = (arg: string) =>
        spawnSync('sh', [join(root, config.deb.afterRemove), arg], {
          env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
          encoding: 'utf8',
        });
      expect(run('upgrade').status).toBe(0);
      expect(existsSync(log)).toBe(false);
      // The control: a removal does remove the units.
      expect(run('remove').status).toBe(0);
      expect(readFileSync(log, 'utf8')).toContain('rm -f /lib/systemd/system/cloisond.service');
    });
  });

  describe.skipIf(hasElectron)('without an Electron runtime', () => {
    it.each(['package', 'dist'])('npm run %s says so in one line and packages nothing', (what) => {
      const run = spawnSync(process.execPath, [join(root, 'tools/package.mjs'), what], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(run.status).toBe(69);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(`^npm run ${what}: no Electron runtime here .*nothing was packaged$`, 'u'),
        ),
      ]);
      expect(existsSync(join(root, 'out'))).toBe(false);
    });
  });
});
