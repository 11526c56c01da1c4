import t from 'tap';
import { parse } from 'ltx';
import { IqTracker } from '../../src/xmpp/iq.js';
import { GatewayError } from '../../src/errors.js';

const own = 'alice@localhost/gw';

t.test('a reply is accepted only from the addressee; spoofs are ignored', async (t) => {
  const iq = new IqTracker(() => own);
  const p = iq.track(parse("<iq type='get' id='1' to='bob@localhost/x'/>"), 1000, () => undefined);
  t.notOk(iq.handle(parse("<iq type='result' id='1' from='mallory@localhost/x'/>")), 'spoof ignored');
  t.notOk(iq.handle(parse("<iq type='result' id='1'/>")), 'no from is not bob');
  t.ok(iq.handle(parse("<iq type='result' id='1' from='bob@localhost/x'/>")));
  t.equal((await p).attrs.from, 'bob@localhost/x');
});

t.test('without a to, our account or server may answer', async (t) => {
  const iq = new IqTracker(() => own);
  for (const from of [undefined, 'alice@localhost', 'localhost', own]) {
    const p = iq.track(parse("<iq type='get' id='x'/>"), 1000, () => undefined);
    t.notOk(iq.handle(parse("<iq type='result' id='x' from='evil.example'/>")));
    t.ok(iq.handle(parse(`<iq type='result' id='x'${from ? ` from='${from}'` : ''}/>`)), `from ${from}`);
    await p;
  }
});

t.test('errors become GatewayErrors with the HTTP status of their condition; silence is 504', async (t) => {
  const iq = new IqTracker(() => own);
  const p = iq.track(parse("<iq type='get' id='e' to='pubsub.localhost'/>"), 1000, () => undefined);
  iq.handle(
    parse(
      "<iq type='error' id='e' from='pubsub.localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></iq>",
    ),
  );
  const err = (await p.catch((e: GatewayError) => e)) as GatewayError;
  t.same(
    { status: err.status, body: err.body },
    { status: 404, body: { type: 'cancel', condition: 'item-not-found', description: 'gone' } },
  );
  const slow = (await iq
    .track(parse("<iq type='get' id='t' to='x.localhost'/>"), 20, () => undefined)
    .catch((e: GatewayError) => e)) as GatewayError;
  t.equal(slow.status, 504);
  t.equal(iq.size, 0, 'nothing left pending');
});
