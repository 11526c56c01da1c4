import t from 'tap';
import { parse } from 'ltx';
import { Dispatcher, stanzaKeys } from '../../src/xmpp/dispatch.js';

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
  d.on('message/urn:xmpp:receipts:received', () => {
    calls.push('receipt');
    return false;
  });
  d.on('message/type:chat', () => {
    calls.push('chat');
  });
  d.on('message', () => {
    calls.push('fallback');
  });
  t.ok(d.dispatch(null, parse("<message type='chat'><received xmlns='urn:xmpp:receipts' id='1'/><body>x</body></message>")));
  t.same(calls, ['receipt', 'chat']);
  t.notOk(new Dispatcher<null>().dispatch(null, parse("<iq type='get'><q xmlns='x'/></iq>")), 'unclaimed');
});
