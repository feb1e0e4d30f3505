// Electron Forge: its Vite plugin builds the main process, the preload and the renderer (the
// vite.*.config.ts files, which `npm run build:vite` also builds without Forge); its fuses plugin
// turns off, in the shipped binary, what a locked shell must not have: running as plain Node,
// NODE_OPTIONS, inspector arguments. electron-builder then makes the .deb and the AppImage from
// Forge's packaged app (electron-builder.json, `npm run dist`).
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/** The fuses of the shipped binary; electron/packaging.test.ts asserts each one. */
export const fuses = {
  version: FuseVersion.V1,
  // No ELECTRON_RUN_AS_NODE: the shell's binary cannot be turned into a Node interpreter.
  [FuseV1Options.RunAsNode]: false,
  // No NODE_OPTIONS (--require a script into the shell) and no --inspect into its main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The app only from its asar archive, checked against the digest in the binary.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Cloison',
    executableName: 'cloison',
    asar: true,
  },
  rebuildConfig: {},
  makers: [],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main/main.ts', config: 'vite.main.config.ts', target: 'main' },
        {
          entry: 'electron/preload/preload.ts',
          config: 'vite.preload.config.ts',
          target: 'preload',
        },
      ],
      renderer: [{ name: 'shell', config: 'vite.renderer.config.ts' }],
    }),
    new FusesPlugin(fuses),
  ],
};

export default config;
