// The node bus contract: request and answer, errors kept, deadlines (no listener, no answer),
// giving up (abort), and stop.
import type { Test } from 'tap';
import { errors, GatewayError } from '../../src/errors.js';
import type { BusRequest } from '../../src/state/bus.js';
import { type Backend, newSid, sleep } from './backend.js';

const opts = (timeoutMs = 2000, ackTimeoutMs = 2000) => ({ timeoutMs, ackTimeoutMs });

async function failure(p: Promise<unknown>): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return { status: err.status, body: err.body, ms: Date.now() - started };
    throw err;
  }
  throw new Error('expected a failure');
}

export function busContract(t: Test, backend: Backend): void {
  t.test(`${backend.name}: node bus`, async (t) => {
    const { node } = await backend.fresh();
    const A = await node('bus-a');
    const B = await node('bus-b');
    await Promise.all([A.bus.ready, B.bus.ready]);
    const received: BusRequest[] = [];
    let answer: (req: BusRequest) => Promise<unknown> = async () => ({ ok: true });
    B.bus.serve((req) => {
      received.push(req);
      return answer(req);
    });

    t.test('a request reaches the node named and its answer comes back', async (t) => {
      const sid = newSid();
      answer = async (req) => ({ echo: req, list: [1, 'two', null] });
      const req: BusRequest = { op: 'action', sid, name: 'chat.message', body: { to: 'bob@example.org' }, idempotencyKey: 'k1' };
      t.same(await A.bus.request('bus-b', req, opts()), { echo: req, list: [1, 'two', null] });
      t.same(received.at(-1), req);
    });

    t.test('errors keep their status and body; anything else is a 500', async (t) => {
      const sid = newSid();
      answer = async () => {
        throw new GatewayError(409, { type: 'cancel', condition: 'conflict', description: 'taken' });
      };
      t.match(await failure(A.bus.request('bus-b', { op: 'logout', sid }, opts())), {
        status: 409,
        body: { type: 'cancel', condition: 'conflict', description: 'taken' },
      });
      answer = async () => {
        throw new TypeError('a bug');
      };
      t.match(await failure(A.bus.request('bus-b', { op: 'logout', sid }, opts())), {
        status: 500,
        body: { condition: 'internal-server-error' },
      });
    });

    t.test('no answer in time: 504 once the owner has the request', async (t) => {
      answer = () => new Promise(() => undefined);
      const f = await failure(A.bus.request('bus-b', { op: 'logout', sid: newSid() }, opts(300, 2000)));
      t.match(f, { status: 504, body: { type: 'wait', condition: 'timeout' } });
      t.ok(f.ms >= 250 && f.ms < 1500, `after the answer timeout (${f.ms} ms)`);
    });

    t.test('nobody by that name: 503 at once', async (t) => {
      const f = await failure(A.bus.request('bus-nobody', { op: 'logout', sid: newSid() }, opts(5000, 3000)));
      t.match(f, { status: 503, body: { type: 'wait', condition: 'service-unavailable' } });
      t.ok(f.ms < 1000, `without waiting for a deadline (${f.ms} ms)`);
    });

    t.test('giving up: an aborted request rejects at once with the reason', async (t) => {
      answer = () => new Promise(() => undefined);
      const controller = new AbortController();
      const pending = failure(A.bus.request('bus-b', { op: 'logout', sid: newSid() }, { ...opts(5000, 5000), signal: controller.signal }));
      await sleep(50);
      controller.abort(errors.disconnected('The node holding this session stopped'));
      const f = await pending;
      t.match(f, { status: 410, body: { condition: 'disconnected' } });
      t.ok(f.ms < 1000);
    });

    t.test('stop: requests the stopped node is waiting on end with 503, and it no longer serves', async (t) => {
      const C = await node('bus-c');
      await C.bus.ready;
      answer = () => new Promise(() => undefined);
      const waiting = failure(C.bus.request('bus-b', { op: 'logout', sid: newSid() }, opts(5000, 5000)));
      await sleep(50);
      await C.bus.stop();
      t.match(await waiting, { status: 503 });
      await B.bus.stop();
      t.match(await failure(A.bus.request('bus-b', { op: 'logout', sid: newSid() }, opts(2000, 1000))), { status: 503 });
    });
  });
}
