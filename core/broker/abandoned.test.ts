// A transfer waiting for its user when the daemon stops is gone (held in memory only): the next
// start closes it in the audit log, once, so that no request stays open in the trail.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailAudit } from '../audit/index.js';
import { startDaemon, type TestDaemon } from '../testing/daemon.js';
import { testConfig } from '../testing/configs.js';

const pdfCase = '/work/shared/cases/documents/tracemonkey.pdf';

describe('a transfer left waiting by a stop', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await startDaemon({ config: testConfig });
  });
  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('is closed as abandoned at the next start, once', async () => {
    copyFileSync(pdfCase, join(daemon.home('low'), 'paper.pdf'));
    const user = await daemon.client('user', 'bob');
    const waiting = await user.call('files.send', { from: 'low', to: 'mid', paths: ['paper.pdf'] });
    expect(waiting.status).toBe('waiting-for-user');
    user.close();
    await daemon.stop();
    await daemon.restart();
    const entries = await tailAudit(daemon.paths.audit, 50);
    const closing = entries.filter((e) => e.transfer === waiting.id);
    expect(closing.map((e) => e.event)).toEqual(['transfer.pending', 'transfer.abandoned']);
    expect(closing[1]).toMatchObject({
      actor: 'cloisond',
      status: 'cancelled',
      from: 'low',
      to: 'mid',
      requester: waiting.requester,
    });
    // Closed before the new run's start entry, and not again at the next start.
    const abandonedAt = entries.findIndex((e) => e.event === 'transfer.abandoned');
    expect(entries.slice(abandonedAt + 1).map((e) => e.event)).toContain('daemon.started');
    await daemon.stop();
    await daemon.restart();
    const again = (await tailAudit(daemon.paths.audit, 80)).filter(
      (e) => e.event === 'transfer.abandoned',
    );
    expect(again).toHaveLength(1);
    // And nothing crossed.
    const client = await daemon.client('user', 'bob');
    expect((await client.call('transfers.list', {})).transfers).toEqual([]);
    client.close();
  });
});
