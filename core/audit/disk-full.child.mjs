// Test fixture for disk-full.test.ts, run inside a user+mount namespace on a tiny tmpfs: opens an
// audit log in the folder given as argument and takes commands as JSON lines on stdin. It imports
// the built module (dist/, built by the tests' global setup) since it runs under plain Node.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { AuditLog } from '../../dist/core/audit/index.js';

const dir = process.argv[2];
const log = await AuditLog.open(dir);
const changes = [];
log.onStatusChange((available, reason) => changes.push({ available, reason }));
const reply = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
reply({ ready: true, pid: process.pid });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.op === 'append') {
    try {
      reply({ ok: true, entry: await log.append(command.fields) });
    } catch (error) {
      reply({ ok: false, code: error.code, message: error.message });
    }
  } else if (command.op === 'status') {
    reply({ ok: true, status: log.status(), changes });
  } else if (command.op === 'close') {
    await log.close();
    reply({ ok: true });
    break;
  }
}
