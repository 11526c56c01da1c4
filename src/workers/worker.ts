// Worker thread entry: owns the XMPP connections of the sessions pinned to it. The only place on
// the worker side that assembles parts: the registry's worker sides, the sessions, the protocol.
import { parentPort, workerData } from 'node:worker_threads';
import { errors, isGatewayErrorLike } from '../errors.js';
import { registry } from '../xeps/index.js';
import { loadAreas } from './areas.js';
import { batcher, PROTOCOL_VERSION, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.js';
import { withUnauthenticatedStream } from './xmpp-client.js';
import { loginError, XmppSession } from './xmpp-session.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

// workerData is the WorkerSettings object the pool passes (src/workers/pool.ts).
const settings = workerData as WorkerSettings;
const sessions = new Map<string, XmppSession>();
// Shared by every session of this worker (dispatch table, actions, features).
const areas = await loadAreas(registry);

const post = batcher<FromWorker>((batch) => port.postMessage(batch));

function replyError(req: number, err: unknown): void {
  const e = isGatewayErrorLike(err) ? err : errors.internal(err instanceof Error ? err.message : String(err));
  post({ v: 3, t: 'reply', req, ok: false, error: { status: e.status, body: e.body } });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'open': {
      const session = new XmppSession(areas, settings, {
        emit: (name, data) => post({ v: 3, t: 'event', sid: msg.sid, name, data }),
        onDropped: (reason) => {
          sessions.delete(msg.sid);
          post({ v: 3, t: 'closed', sid: msg.sid, reason });
        },
        flush: () => post.flush(),
      });
      try {
        const jid = await session.open(msg.login);
        sessions.set(msg.sid, session);
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: { jid } });
      } catch (err) {
        replyError(msg.req, err);
      }
      return;
    }
    case 'sessionless': {
      const handler = areas.sessionless.get(msg.action);
      if (!handler) return replyError(msg.req, errors.notFound(`Unknown action '${msg.action}'`));
      const { target } = msg;
      try {
        const data = await withUnauthenticatedStream(
          { ...target, timeoutMs: settings.connectTimeoutMs, tlsVerify: settings.tlsVerify },
          (request, features) => handler({ domain: target.domain, features, request }, msg.body),
        );
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: data ?? {} });
      } catch (err) {
        replyError(msg.req, loginError(err));
      }
      return;
    }
    case 'call': {
      const session = sessions.get(msg.sid);
      if (!session) return replyError(msg.req, errors.disconnected('You are not connected'));
      try {
        const data = await session.call(msg.action, msg.body);
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: data ?? {} });
      } catch (err) {
        replyError(msg.req, err);
      }
      return;
    }
    case 'close': {
      const session = sessions.get(msg.sid);
      sessions.delete(msg.sid);
      await session?.close().catch(() => undefined);
      post({ v: 3, t: 'reply', req: msg.req, ok: true, data: {} });
      return;
    }
  }
}

port.on('message', (batch: ToWorker[]) => {
  if (!Array.isArray(batch)) return;
  for (const msg of batch) if (msg?.v === PROTOCOL_VERSION) void handle(msg);
});
post({ v: 3, t: 'ready' });
