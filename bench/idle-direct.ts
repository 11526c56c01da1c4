// Child process of the idle scenario: S idle direct XMPP connections in one process, so their
// memory can be read apart from the bench's. Driven over IPC by bench/scenarios/idle.ts.
import { connectDirect, mapLimit, type Account, type DirectClient, type XmppTarget } from './lib/direct.js';

type Command = { cmd: 'warm' | 'open'; server: XmppTarget; accounts: Account[]; concurrency: number } | { cmd: 'rss' } | { cmd: 'close' };

const send = (msg: unknown) => process.send?.(msg);
const clients: DirectClient[] = [];

process.on('message', (msg: Command) => {
  void (async () => {
    try {
      switch (msg.cmd) {
        case 'warm':
        case 'open': {
          const t0 = performance.now();
          clients.push(...(await mapLimit(msg.accounts, msg.concurrency, (a) => connectDirect(msg.server, a, msg.cmd, 60000))));
          send({ ok: true, openMs: performance.now() - t0 });
          return;
        }
        case 'rss':
          send({ ok: true, rss: process.memoryUsage.rss() });
          return;
        case 'close':
          await mapLimit(clients, 50, (c) => c.stop());
          send({ ok: true });
          process.exit(0);
      }
    } catch (err) {
      send({ ok: false, error: (err as Error).message });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
send({ ready: true });
