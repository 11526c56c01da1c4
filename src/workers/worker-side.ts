// The worker side of the pool: owns the XMPP connections of the sessions pinned to it. The only place
// on the worker side that assembles parts: the registry's worker sides, the sessions, the protocol.
// It runs in a worker thread (worker.ts, the default) or, with WORKERS=0, on the HTTP thread behind an
// in-process port (in-thread.ts); either way it speaks only the protocol of protocol.ts.
import { errors, isGatewayErrorLike } from '../errors.js';
import { registry } from '../xeps/index.js';
import { loadAreas } from './areas.js';
import { batcher, PROTOCOL_VERSION, type FromWorker, type ToWorker, type WorkerSettings } from './protocol.js';
import { openTakeover } from './takeover.js';
import { laterH } from './stream-management.js';
import { withUnauthenticatedStream } from './xmpp-client.js';
import { loginError, XmppSession } from './xmpp-session.js';

/** What the worker side needs of its channel to the pool: a MessagePort, or the in-thread one. */
export interface WorkerPort {
  postMessage(batch: FromWorker[]): void;
  on(event: 'message', listener: (batch: ToWorker[]) => void): unknown;
}

/** Starts serving the pool's requests on `port`; says `ready` once every area's worker side is loaded. */
export async function startWorkerSide(port: WorkerPort, settings: WorkerSettings): Promise<{ abandonAll(): void }> {
  const sessions = new Map<string, XmppSession>();
  // Shared by every session of this worker (dispatch table, actions, features).
  const areas = await loadAreas(registry);

  const post = batcher<FromWorker>((batch) => port.postMessage(batch));

  function replyError(req: number, err: unknown): void {
    const e = isGatewayErrorLike(err) ? err : errors.internal(err instanceof Error ? err.message : String(err));
    post({ v: 3, t: 'reply', req, ok: false, error: { status: e.status, body: e.body } });
  }

  function newSession(sid: string): XmppSession {
    const session: XmppSession = new XmppSession(
      areas,
      settings,
      {
        emit: (name, data, handled) => post({ v: 3, t: 'event', sid, name, data, ...(handled !== undefined && { handled }) }),
        onDropped: (reason) => {
          // Only the session of this id: a later one (taken over again) is not ended by an old one.
          if (sessions.get(sid) === session) sessions.delete(sid);
          post({ v: 3, t: 'closed', sid, reason });
        },
        flush: () => post.flush(),
        takeover: (blob) => post({ v: 3, t: 'takeover', sid, blob }),
        ...(settings.takeoverKey !== undefined && { confirmAck: (h: number) => post({ v: 3, t: 'ack', sid, h }) }),
      },
      sid,
    );
    return session;
  }

  async function handle(msg: ToWorker): Promise<void> {
    switch (msg.t) {
      case 'adopt': {
        if (settings.takeoverKey === undefined) return replyError(msg.req, errors.internal('no SESSION_KEY: no takeover'));
        let session: XmppSession;
        try {
          const t = openTakeover(settings.takeoverKey, msg.sid, msg.blob);
          // The record's h is the one told to the server last (written before each <a/>): it wins over the
          // sealed state's. The events logged since then carry their own h: the log holds them, so the
          // stream resumes after them and the server does not send their stanzas again.
          if (msg.h !== undefined) t.state.sm.inbound = msg.h;
          if (msg.logged !== undefined) t.state.sm.inbound = laterH(t.state.sm.inbound, msg.logged);
          session = newSession(msg.sid);
          sessions.set(msg.sid, session);
          session.adopt(t);
        } catch (err) {
          return replyError(msg.req, errors.internal(`takeover state unreadable: ${err instanceof Error ? err.message : String(err)}`));
        }
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: {} });
        return;
      }
      case 'open': {
        const session = newSession(msg.sid);
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
      case 'handover': {
        const session = sessions.get(msg.sid);
        // A session still resuming (one this node took over a moment ago, in a rolling restart) is
        // handed over once it is online again, not ended.
        await session?.settled();
        sessions.delete(msg.sid);
        const result = session?.handover();
        // Nothing to hand over (not resumable): a clean end, as before takeovers.
        if (!result) await session?.close().catch(() => undefined);
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: result ?? {} });
        return;
      }
      case 'acked': {
        sessions.get(msg.sid)?.ackConfirmed(msg.h);
        return;
      }
      case 'close': {
        const session = sessions.get(msg.sid);
        sessions.delete(msg.sid);
        if (msg.silent) session?.abandon();
        else await session?.close().catch(() => undefined);
        post({ v: 3, t: 'reply', req: msg.req, ok: true, data: {} });
        return;
      }
    }
  }

  port.on('message', (batch: ToWorker[]) => {
    if (!Array.isArray(batch)) return;
    for (const msg of batch) {
      if (msg?.v !== PROTOCOL_VERSION) continue;
      // Each case answers its own failures; one that escaped them is answered too, not left as an
      // unhandled rejection (which ends the thread and every session on it).
      handle(msg).catch((err: unknown) => {
        if ('req' in msg && msg.req !== 0) replyError(msg.req, err);
      });
    }
  });
  post({ v: 3, t: 'ready' });
  return {
    // The pool stops: every connection dropped at once, as a terminated thread drops them.
    abandonAll() {
      for (const session of sessions.values()) session.abandon();
      sessions.clear();
    },
  };
}
