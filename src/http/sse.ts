// GET /v1/events: the session's event log as Server-Sent Events (docs/api.md §3). Replays what follows the cursor
// (Last-Event-ID or ?lastEventId=), then goes live; heartbeats keep proxies open; a consumer that
// falls too far behind is cut off and resumes from its cursor. Live events that may have been missed
// (a hole in the ids, or the log's subscription re-established after a Redis outage) are read back
// from the log before the stream goes on, so a gap is reported only for what the log lost.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import type { EventLog, LoggedEvent } from '../state/event-log.js';
import type { SessionManager } from '../session/manager.js';
import type { SessionRecord } from '../state/session-store.js';
import { bearerToken, hasTokenInUrl } from './auth.js';
import { errorResponses, operationIdOf } from './route-schema.js';

export function formatEvent(e: LoggedEvent): string {
  return `id: ${e.id}\nevent: ${e.name}\ndata: ${e.data}\n\n`;
}

const GAP = (after: string | undefined) =>
  `event: xmpp.gateway.gap\ndata: ${JSON.stringify({ description: 'Some events are no longer buffered and were missed', after: after ?? null })}\n\n`;

export interface SseDeps {
  config: Config;
  manager: SessionManager;
  log: EventLog;
  /** Observers for metrics. */
  observe?: { slowCutoff(): void; gap(): void };
}

/** The stream's session, and the ticket that opened it (kept from then on: see keepTicket). */
async function streamSession(request: FastifyRequest, manager: SessionManager): Promise<{ session: SessionRecord; ticket?: string }> {
  const { ticket } = request.query as { ticket?: string };
  const token = bearerToken(request);
  if (token !== undefined) {
    const session = await manager.authenticate(token);
    // A ticket opens only its own session's stream, whatever else the request carries.
    if (ticket !== undefined && (await manager.fromTicket(ticket)).sid !== session.sid) throw errors.sessionInvalid();
    return { session };
  }
  if (ticket !== undefined) return { session: await manager.fromTicket(ticket), ticket };
  throw errors.sessionInvalid();
}

/**
 * Live fan-out in one pass (issue #18 goal 3): a live event is not written to a stream when it
 * arrives but queued, and every stream with a queue is flushed once, after the event loop turn
 * (setImmediate) in which the worker's messages arrived. A burst reaches each socket in one write
 * instead of one per message batch (each write is a syscall and a loopback wake-up: 73 % of the
 * main thread in `writev` with 1,000 streams), and streams with the same queue — the streams of one
 * session — share one encoded Buffer: the frames are serialised once per flush, not once per stream.
 */
export class FanOut {
  private readonly dirty = new Set<{ flush(shared: Map<string, Buffer>): void }>();
  private scheduled = false;
  private readonly run = () => {
    this.scheduled = false;
    // One Buffer per distinct queue (session, first id, last id, length) for this flush only.
    const shared = new Map<string, Buffer>();
    const streams = [...this.dirty];
    this.dirty.clear();
    for (const s of streams) s.flush(shared);
  };

  mark(stream: { flush(shared: Map<string, Buffer>): void }): void {
    this.dirty.add(stream);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  forget(stream: { flush(shared: Map<string, Buffer>): void }): void {
    this.dirty.delete(stream);
  }
}

/** The frames of `events` as one Buffer, encoded once per flush for every stream that queued the same ones. */
export function framesOf(sid: string, events: LoggedEvent[], shared: Map<string, Buffer>): Buffer {
  // Ids are unique and in log order within a session, and a queue holds contiguous events only:
  // the first and last id and the count name its content.
  const key = `${sid}\u0000${events[0]!.id}\u0000${events[events.length - 1]!.id}\u0000${events.length}`;
  let buf = shared.get(key);
  if (!buf) {
    let text = '';
    for (const e of events) text += formatEvent(e);
    buf = Buffer.from(text, 'utf8');
    shared.set(key, buf);
  }
  return buf;
}

export function sseRoutes(app: FastifyInstance, deps: SseDeps, eventNames: string[]): void {
  const { config, manager, log } = deps;
  const streams = new Set<() => void>();
  const fanOut = new FanOut();
  // After the sessions of a draining node have ended (their final events written): close the rest,
  // whose clients reconnect to another node with their cursor.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get('/v1/events', {
    // Before query validation: a token in the URL is an auth failure (401), not a bad parameter.
    onRequest: async (request) => {
      if (hasTokenInUrl(request)) throw errors.sessionInvalid();
    },
    schema: {
      tags: ['events'],
      operationId: operationIdOf('/v1/events'),
      summary: 'The session’s incoming events as Server-Sent Events (event: xmpp.*, id: cursor, data: JSON)',
      description:
        'Authenticate with `Authorization: Bearer` or `?ticket=` (from POST /v1/events/ticket: it opens only its own session’s stream; ' +
        'unused it expires after TICKET_TTL_S, and once a stream opened with it, it stays valid until the session ends, so EventSource ' +
        'reconnects with the same URL however late). Resume with `Last-Event-ID` or `?lastEventId=`. ' +
        'A stream without a cursor first replays everything still buffered. `xmpp.gateway.gap` says events were missed. ' +
        'The 200 schema describes one frame (docs/api.md §7): a oneOf of every event’s frame, discriminated by `event`; ' +
        `each frame's \`data\` is the event's schema in components.schemas (\`x-events\` maps each name to it too). Events: ${eventNames.join(', ')}.`,
      security: [{ bearer: [] }, { ticket: [] }],
      querystring: Type.Object(
        {
          ticket: Type.Optional(
            Type.String({ maxLength: 256, description: 'From POST /v1/events/ticket, for clients that cannot send headers (EventSource)' }),
          ),
          lastEventId: Type.Optional(
            Type.String({ maxLength: 128, description: 'Resume after this cursor (an event’s `id:`); the Last-Event-ID header wins' }),
          ),
        },
        { additionalProperties: false },
      ),
      headers: Type.Object({
        'Last-Event-ID': Type.Optional(
          Type.String({
            description:
              'Resume after this cursor (an event’s `id:`), as EventSource sends it on a reconnect; absent: replay everything buffered',
          }),
        ),
      }),
      response: {
        200: {
          description: 'An endless text/event-stream',
          content: { 'text/event-stream': { schema: { type: 'string', description: 'SSE frames: id, event, data (one-line JSON)' } } },
        },
        ...errorResponses([400, 401, 410, 503]),
      },
    },
    handler: async (request, reply) => {
      const { session, ticket } = await streamSession(request, manager);
      // The route's querystring schema has validated this shape (a string of at most 128 characters).
      const { lastEventId } = request.query as { lastEventId?: string };
      const header = request.headers['last-event-id'];
      const cursor = typeof header === 'string' && header !== '' ? header : lastEventId;

      // Subscribe before reading the backlog so nothing falls between the two; dedupe by order.
      const pending: LoggedEvent[] = [];
      const live: { write?: (e: LoggedEvent) => void; resync?: () => void } = {};
      let resyncWanted = false;
      const unsubscribe = await log.subscribe(
        session.sid,
        (e) => (live.write ? live.write(e) : pending.push(e)),
        () => (live.resync ? live.resync() : (resyncWanted = true)),
      );
      let backlog;
      try {
        backlog = await log.read(session.sid, cursor);
      } catch (err) {
        unsubscribe();
        throw err;
      }
      if (session.state === 'gone' && backlog.events.length === 0) {
        unsubscribe();
        throw errors.disconnected(session.goneReason);
      }

      // EventSource reconnects with the same URL however late: the ticket now lives with the session.
      if (ticket !== undefined && session.state === 'online') {
        await manager.keepTicket(ticket, session.sid).catch((err) => request.log.warn({ err }, 'stream ticket not kept'));
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        // Headers set so far on this reply are all strings (request id, CORS); writeHead takes them as such.
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      manager.streamOpened(session.sid);

      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        fanOut.forget(queued);
        unsubscribe();
        clearInterval(heartbeat);
        streams.delete(close);
        manager.streamClosed(session.sid);
        if (!res.destroyed) res.end();
      };
      streams.add(close);
      request.raw.on('close', close);
      res.on('error', close);

      const send = (chunk: string | Buffer) => {
        if (closed) return;
        // A slow consumer: drop the connection rather than buffer without bound. It resumes from its
        // cursor. Checked before writing, so one large event always fits an empty buffer.
        if (res.writableLength > config.maxBacklogBytes) {
          request.log.warn({ sid: session.sid }, 'slow event stream cut off');
          deps.observe?.slowCutoff();
          res.destroy();
          close();
          return;
        }
        res.write(chunk);
      };
      let replaying = true;
      // Live events waiting for the next flush (see FanOut), contiguous and in order.
      let queue: LoggedEvent[] = [];
      const queued = {
        flush: (shared: Map<string, Buffer>) => {
          if (queue.length === 0 || closed) return;
          const events = queue;
          queue = [];
          send(framesOf(session.sid, events, shared));
          if (events[events.length - 1]!.final) close();
        },
      };
      /** Writes what is queued now, before anything that must follow it on the stream. */
      const flushNow = () => {
        fanOut.forget(queued);
        queued.flush(new Map());
      };
      const heartbeat = setInterval(() => replaying || send(': keep-alive\n\n'), config.heartbeatS * 1000);
      heartbeat.unref();

      // Replay paces itself on the client (waits for 'drain'): a long backlog is not a slow consumer.
      const paced = async (chunk: string) => {
        if (res.writableLength > config.maxBacklogBytes) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
        if (!closed) res.write(chunk);
      };

      res.write(`retry: 2000\n\n`);
      if (backlog.gap) {
        deps.observe?.gap();
        await paced(GAP(cursor));
      }
      // A hole inside the log (events that could not be logged) is a gap too.
      let lastId: string | undefined = backlog.gap ? undefined : cursor;
      const frame = (e: LoggedEvent) => {
        const hole = lastId !== undefined && !log.isContiguous(lastId, e.id);
        if (hole) deps.observe?.gap();
        const out = `${hole ? GAP(lastId) : ''}${formatEvent(e)}`;
        lastId = e.id;
        return out;
      };
      let ended = false;
      for (const e of backlog.events) {
        if (closed) return;
        await paced(frame(e));
        if (e.final) ended = true;
      }
      // Only what follows the last event written goes out: a live message can arrive after the read
      // that returned its event (pub/sub and reads are two connections to Redis), or again after a
      // reconnection. Ids increase in log order, so "not after" means "written already".
      const fresh = (e: LoggedEvent) => lastId === undefined || log.isAfter(lastId, e.id);
      // Events that arrived meanwhile: skip those the backlog already held.
      while (pending.length > 0 && !closed) {
        const e = pending.shift()!;
        if (!fresh(e)) continue;
        await paced(frame(e));
        if (e.final) ended = true;
      }
      replaying = false;

      // Live: in order; a hole in the ids, or a resync of the subscription, reads the log back from
      // the last id sent, and events arriving meanwhile wait behind that read.
      let catchingUp = false;
      const waiting: LoggedEvent[] = [];
      const deliver = (e: LoggedEvent) => {
        send(frame(e));
        if (e.final) close();
      };
      const catchUp = async () => {
        catchingUp = true;
        // What was queued precedes what the read returns (it starts after lastId, the last one queued).
        flushNow();
        // What waits now is in the read (or older than all it returns, lost: the hole says so);
        // only if the read fails is it sent as it is.
        const before = waiting.splice(0);
        const read = await log.read(session.sid, lastId).catch(() => undefined);
        for (const e of read ? read.events : before) {
          if (closed) return;
          if (fresh(e)) deliver(e);
        }
        while (waiting.length > 0 && !closed) {
          const e = waiting.shift()!;
          if (fresh(e)) deliver(e);
        }
        catchingUp = false;
      };
      live.write = (e: LoggedEvent) => {
        if (catchingUp) return void waiting.push(e);
        // Contiguous means fresh: only a hole (per stream and event, the common case is not one) asks.
        if (lastId !== undefined && !log.isContiguous(lastId, e.id)) {
          if (!fresh(e)) return;
          waiting.push(e);
          return void catchUp();
        }
        // Contiguous: framed with the others at the next flush (no gap to report in between).
        lastId = e.id;
        queue.push(e);
        if (e.final) return flushNow();
        fanOut.mark(queued);
      };
      live.resync = () => {
        if (!catchingUp) void catchUp();
      };
      if (ended || session.state === 'gone') return close();
      if (resyncWanted) void catchUp();
    },
  });
}
