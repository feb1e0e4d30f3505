// Invariants 3 and 4 under kill -9: the daemon is killed at random points of a stream of transfers,
// restarted, and then the audit chain verifies, every acknowledged transfer is in it, and every file
// visible in Incoming/ is complete and audited.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../client/client.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

describe('a daemon killed with SIGKILL', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon.cleanup();
  });

  it('loses no acknowledged audit entry and leaves no partial or unaudited file', async () => {
    const acknowledged = new Set<string>();
    const contents = new Map<string, Buffer>();
    let n = 0;
    for (let round = 0; round < 6; round++) {
      const client: DaemonClient = await daemon.client('user');
      let stop = false;
      const stream = (async () => {
        while (!stop) {
          const i = n++;
          const name = `f${i}.bin`;
          const body = Buffer.alloc(64 * 1024 + i, i % 251);
          contents.set(name, body);
          writeFileSync(join(daemon.home('low'), name), body);
          try {
            const t =
              i % 2 === 0
                ? await client.call('files.send', { from: 'low', to: 'mid', paths: [name] })
                : await client.call('clipboard.send', {
                    from: 'low',
                    to: 'mid',
                    items: [
                      { type: 'text/plain', data: Buffer.from(`line ${i}`).toString('base64') },
                    ],
                  });
            acknowledged.add(t.id);
          } catch {
            return; // the daemon died under us
          }
        }
      })();
      // Kill at a random point, 30 to 400 ms into the stream.
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 370));
      await daemon.kill9();
      stop = true;
      await stream;
      client.close();
      await daemon.restart();
    }
    expect(acknowledged.size).toBeGreaterThan(5);

    const verify = await daemon.cli(['--json', 'audit', 'verify']);
    expect(verify.code, verify.text).toBe(0);
    const exported = (await daemon.cli(['audit', 'export'])).text.trim().split('\n');
    const entries = exported.map(
      (l) =>
        JSON.parse(l) as { event: string; transfer?: string; items?: { deliveredAs?: string }[] },
    );
    const delivered = new Set(
      entries.filter((e) => e.event === 'transfer.delivered').map((e) => e.transfer),
    );
    for (const id of acknowledged)
      expect(delivered.has(id), `acknowledged ${id} is in the audit log`).toBe(true);

    const audited = new Set(
      entries
        .filter((e) => e.event === 'transfer.delivered')
        .flatMap((e) => (e.items ?? []).map((i) => i.deliveredAs)),
    );
    const incoming = join(daemon.home('mid'), 'Incoming/low');
    for (const name of readdirSync(incoming)) {
      expect(name.startsWith('.'), `no temporary file is left visible: ${name}`).toBe(false);
      expect(audited.has(`Incoming/low/${name}`), `${name} is audited`).toBe(true);
      const source = contents.get(name.replace(/ \(\d+\)/, ''));
      expect(source, `${name} comes from a source file`).toBeDefined();
      expect(readFileSync(join(incoming, name)).equals(source!), `${name} is complete`).toBe(true);
    }
  });
});
