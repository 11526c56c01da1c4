import t from 'tap';
import { parse, type Element } from 'ltx';
import { HeldRequests } from '../../src/xmpp/held.js';

t.test('a held request is released by the answer, or answered with an error on timeout', async (t) => {
  const sent: Element[] = [];
  const held = new HeldRequests((s) => sent.push(s), 30, 2);
  t.ok(held.hold('k', parse("<iq type='set' id='a' from='bob@localhost/x'><query xmlns='jabber:iq:rpc'/></iq>")));
  t.equal(held.release('k', 'bob@localhost/other', 'a'), undefined, 'another resource does not match the full JID');
  t.equal(held.release('k', 'bob@localhost/x', 'a')?.attrs.id, 'a');
  t.equal(held.release('k', 'bob@localhost/x', 'a'), undefined, 'answered once');
  held.hold('k', parse("<iq type='get' id='b' from='carol@localhost/y'/>"));
  t.equal(held.release('k', 'carol@localhost', 'b')?.attrs.id, 'b', 'a bare JID finds the one request of that account');
  held.hold('k', parse("<iq type='get' id='c' from='dave@localhost/z'/>"));
  await new Promise((r) => setTimeout(r, 60));
  t.equal(sent.length, 1);
  t.equal(sent[0]!.attrs.type, 'error');
  t.equal(sent[0]!.attrs.to, 'dave@localhost/z');
  t.ok(sent[0]!.getChild('error')?.getChild('recipient-unavailable'), 'never silence');
  held.hold('k', parse("<iq type='get' id='d' from='e@localhost/1'/>"));
  held.hold('k', parse("<iq type='get' id='e' from='e@localhost/1'/>"));
  t.notOk(held.hold('k', parse("<iq type='get' id='f' from='e@localhost/1'/>")), 'bounded');
  t.ok(sent.at(-1)!.getChild('error')?.getChild('resource-constraint'));
  held.clear();
  t.equal(held.size, 0);
  held.hold('rpc', parse("<iq type='set' id='same' from='f@localhost/1'/>"));
  t.equal(held.release('disco#info', 'f@localhost/1', 'same'), undefined, 'another kind never takes it');
  t.equal(held.release('rpc', 'f@localhost/1', 'same')?.attrs.id, 'same');
});
