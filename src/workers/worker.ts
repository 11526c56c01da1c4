// Worker thread entry: owns the XMPP connections of the sessions pinned to it.
import { parentPort, workerData } from 'node:worker_threads';
import { isGatewayErrorLike, errors } from '../errors.js';
import { registry } from '../xeps/index.js';
import { createAccount } from '../xeps/xep0077-register/account.js';
import { batcher, PROTOCOL_VERSION, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.js';
import { withUnauthenticatedStream } from './xmpp-client.js';
import { loadAreas, loginError, XmppSession } from './xmpp-session.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const settings = workerData as WorkerSettings;
const sessions = new Map<string, XmppSession>();
// Shared by every session of this worker (dispatch table, actions, features).
const areas = loadAreas(registry);

const post = batcher<FromWorker>((batch) => port.postMessage(batch));

function replyError(req: number, err: unknown): void {
  const e = isGatewayErrorLike(err) ? err : errors.internal(err instanceof Error ? err.message : String(err));
  post({ v: 2, t: 'reply', req, ok: false, error: { status: e.status, body: e.body } });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'open': {
      const session = new XmppSession(areas, settings, {
        emit: (name, data) => post({ v: 2, t: 'event', sid: msg.sid, name, data }),
        onDropped: (reason) => {
          sessions.delete(msg.sid);
          post({ v: 2, t: 'closed', sid: msg.sid, reason });
        },
      });
      try {
        const jid = await session.open(msg.login);
        sessions.set(msg.sid, session);
        post({ v: 2, t: 'reply', req: msg.req, ok: true, data: { jid } });
      } catch (err) {
        replyError(msg.req, err);
      }
      return;
    }
    case 'register': {
      const { account } = msg;
      try {
        await withUnauthenticatedStream(
          {
            host: account.host,
            port: account.port,
            domain: account.domain,
            timeoutMs: settings.connectTimeoutMs,
            tlsVerify: settings.tlsVerify,
          },
          (request) => createAccount(request, account),
        );
        post({ v: 2, t: 'reply', req: msg.req, ok: true, data: { jid: { user: account.username, domain: account.domain } } });
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
        post({ v: 2, t: 'reply', req: msg.req, ok: true, data: data ?? {} });
      } catch (err) {
        replyError(msg.req, err);
      }
      return;
    }
    case 'close': {
      const session = sessions.get(msg.sid);
      sessions.delete(msg.sid);
      await session?.close().catch(() => undefined);
      post({ v: 2, t: 'reply', req: msg.req, ok: true, data: {} });
      return;
    }
  }
}

port.on('message', (batch: ToWorker[]) => {
  if (!Array.isArray(batch)) return;
  for (const msg of batch) if (msg?.v === PROTOCOL_VERSION) void handle(msg);
});
post({ v: 2, t: 'ready' });
