import t from 'tap';
import { parse } from 'ltx';
import { loadAreas } from '../../src/workers/areas.js';
import { registry } from '../../src/xeps/index.js';
import { Dispatcher, stanzaKeys, UNCLAIMED } from '../../src/xmpp/dispatch.js';

t.test('keys are computed from the stanza', async (t) => {
  t.same(stanzaKeys(parse("<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")), ['iq-get/urn:xmpp:ping:ping']);
  t.same(stanzaKeys(parse("<message type='chat'><body>x</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>")), [
    'message/:body',
    'message/http://jabber.org/protocol/chatstates:active',
    'message/type:chat',
    'message',
  ]);
  t.same(stanzaKeys(parse('<presence/>')), ['presence/type:available', 'presence']);
});

t.test('the first handler that claims a stanza wins; false passes it on', async (t) => {
  const d = new Dispatcher<null>();
  const calls: string[] = [];
  d.on(
    'message/urn:xmpp:receipts:received',
    () => {
      calls.push('receipt');
      return false;
    },
    'a',
  );
  d.on(
    'message/type:chat',
    () => {
      calls.push('chat');
    },
    'a',
  );
  d.on(
    'message',
    () => {
      calls.push('fallback');
    },
    'a',
  );
  t.ok(d.dispatch(null, parse("<message type='chat'><received xmlns='urn:xmpp:receipts' id='1'/><body>x</body></message>")));
  t.same(calls, ['receipt', 'chat']);
  t.notOk(new Dispatcher<null>().dispatch(null, parse("<iq type='get'><q xmlns='x'/></iq>")), 'unclaimed');
});

t.test('within one key, the higher priority goes first, whatever the order of registration', async (t) => {
  for (const order of [
    ['low', 'high'],
    ['high', 'low'],
  ]) {
    const d = new Dispatcher<null>();
    const calls: string[] = [];
    for (const who of order) {
      d.on(
        'message/type:chat',
        () => {
          calls.push(who);
          return false;
        },
        who,
        who === 'high' ? 10 : 0,
      );
    }
    d.dispatch(null, parse("<message type='chat'><body>x</body></message>"));
    t.same(calls, ['high', 'low'], `registered ${order.join(' then ')}`);
  }
});

t.test('two areas on one key without a declared order are refused', async (t) => {
  const d = new Dispatcher<null>();
  d.on('message/type:chat', () => true, 'muc');
  t.throws(() => d.on('message/type:chat', () => true, 'chat'), /Areas muc and chat both handle 'message\/type:chat' at priority 0/);
  d.on('message/type:chat', () => true, 'muc'); // one area may have several handlers on a key, in its own order
  d.on('message/type:chat', () => true, 'chat', -1);
  t.same(d.table().get('message/type:chat'), [
    { owner: 'muc', priority: 0 },
    { owner: 'muc', priority: 0 },
    { owner: 'chat', priority: -1 },
  ]);
});

t.test("the registry's areas declare every shared key's order, in any registry order", async (t) => {
  const forward = (await loadAreas(registry)).dispatcher.table();
  const reversed = (await loadAreas([...registry].reverse())).dispatcher.table();
  t.same([...reversed.keys()].sort(), [...forward.keys()].sort(), 'the same keys');
  for (const [key, owners] of forward) t.same(reversed.get(key), owners, `${key}: the same order`);
  // MUC claims room traffic before chat and presence do (they share these keys).
  t.same(
    forward.get('message/type:chat')?.map((o) => o.owner),
    ['xep0045-muc', 'core-chat'],
  );
  t.same(
    forward.get('presence/type:error')?.map((o) => o.owner),
    ['xep0045-muc', 'core-presence'],
  );
});

t.test('the UNCLAIMED handlers see only what every handler of its keys declined', async (t) => {
  const d = new Dispatcher<null>();
  const seen: string[] = [];
  d.on('message/type:chat', (_ctx, s) => s.getChild('body') !== undefined, 'chat');
  d.on(UNCLAIMED, (_ctx, s) => void seen.push(s.attrs.id ?? ''), 'fallback');
  const claimed = parse("<message type='chat' id='a'><body>x</body></message>");
  const declined = parse("<message type='chat' id='b'><x xmlns='urn:example'/></message>");
  t.ok(d.dispatch(null, claimed));
  t.notOk(d.dispatch(null, declined), 'declined by chat');
  t.notOk(stanzaKeys(declined).includes(UNCLAIMED), 'no stanza computes the fallback key');
  t.same(seen, [], 'dispatch alone never reaches the fallback');
  t.ok(d.dispatchUnclaimed(null, declined));
  t.same(seen, ['b']);
  t.notOk(new Dispatcher<null>().dispatchUnclaimed(null, declined), 'no fallback registered: unclaimed');
});
