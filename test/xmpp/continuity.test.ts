// Sessions that survive a drop of the XMPP connection (XEP-0198 resumption, docs/api.md
// "Continuity"): a real Prosody with mod_smacks behind a TCP proxy that cuts every connection.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { xml } from '@xmpp/client';
import { connection, setup } from '../helpers/continuity.js';

t.test('a cut while a peer sends ~100 messages/s: every message once, in order; reconnecting → online resumed', async (t) => {
  const s = await setup(t);
  const total = 400;
  const sender = (async () => {
    for (let i = 1; i <= total; i++) {
      await s.peer.send(xml('message', { to: s.jid, type: 'chat', id: `n${i}` }, xml('body', {}, `n${i}`)));
      await sleep(10);
    }
  })();
  // The cut in the middle of the flow; new connections are refused for a second.
  await s.stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === 'n100', 15000);
  s.proxy.cut(1000);
  const before = s.proxy.accepted;
  await sender;
  await s.stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === `n${total}`, 30000);
  await sleep(500); // anything sent twice would arrive right after
  const numbers = s.stream.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => Number(String(e.data.content).slice(1)));
  const seen = new Set(numbers);
  const lost = total - seen.size;
  const duplicated = numbers.length - seen.size;
  let outOfOrder = 0;
  for (let i = 1; i < numbers.length; i++) if (numbers[i]! < numbers[i - 1]!) outOfOrder++;
  t.same({ lost, duplicated, outOfOrder }, { lost: 0, duplicated: 0, outOfOrder: 0 }, `received ${numbers.length} of ${total}`);
  t.same(connection(s.stream.events), [
    { status: 'online', jid: connection(s.stream.events)[0].jid },
    { status: 'reconnecting' },
    { status: 'online', resumed: true },
  ]);
  t.notOk(
    s.stream.events.some((e) => e.event === 'xmpp.error'),
    'no xmpp.error',
  );
  t.ok(s.proxy.accepted > before, 'the gateway connected again through the proxy');
  const after = await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: 'still here' }, s.token);
  t.equal(after.status, 200, 'the session works after resumption');
  await s.peer.waitFor((m) => m.is('message') && m.getChildText('body') === 'still here');
});
