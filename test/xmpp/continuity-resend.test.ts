// Sessions that survive a drop of the XMPP connection (XEP-0198 resumption, docs/api.md
// "Continuity"): a real Prosody with mod_smacks behind a TCP proxy that cuts every connection.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../helpers/continuity.js';

t.test('messages the session sent just before the cut reach the peer exactly once', async (t) => {
  const s = await setup(t);
  const n = 30;
  for (let i = 1; i <= n; i++) {
    const res = await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: `out${i}` }, s.token);
    t.equal(res.status, 200);
    if (i === n - 5) s.proxy.cut(500);
  }
  await s.stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 15000);
  await s.peer.waitFor((m) => m.is('message') && m.getChildText('body') === `out${n}`, 10000);
  await sleep(1000);
  const bodies = s.peer.received.filter((m) => m.is('message')).map((m) => m.getChildText('body') ?? '');
  const counts = new Map<string, number>();
  for (const b of bodies) counts.set(b, (counts.get(b) ?? 0) + 1);
  const missing = Array.from({ length: n }, (_, i) => `out${i + 1}`).filter((b) => !counts.has(b));
  const twice = [...counts].filter(([, c]) => c > 1).map(([b]) => b);
  t.same({ missing, twice }, { missing: [], twice: [] });
});
