// The session's MUC state (XmppContext.state): the rooms joined (or being joined or left) and the
// requests waiting for a room's answer. It lives with the session in its worker, so in cluster
// mode the owning node holds it.
import type { Element } from 'ltx';
import { errors, type GatewayError } from '../../errors.js';
import { bareJid } from '../../xmpp/jid.js';
import type { XmppContext } from '../../xmpp/context.js';

export const AREA = 'xep0045-muc';

export interface Room {
  /** Our nick: the one asked for while joining, then the one the room confirmed. */
  nick: string;
  /** Kept to rejoin with. */
  password?: string;
  status: 'joining' | 'joined' | 'leaving';
}

/** Decides what a stanza from the room means to a waiting request; undefined: not its answer. */
export type Decide<T> = (stanza: Element) => { value: T } | { error: GatewayError } | undefined;

interface Waiter {
  room: string;
  offer(stanza: Element): boolean;
}

export interface MucState {
  /** By lower-case bare room JID. Plain JSON, so a golden case can start with rooms joined. */
  rooms: Record<string, Room>;
  waiters: Set<Waiter>;
}

export function mucState(ctx: XmppContext): MucState {
  // A prototype-less map, so that a room named __proto__ is just a key.
  return ctx.state<MucState>(AREA, () => ({ rooms: Object.create(null) as Record<string, Room>, waiters: new Set() }));
}

export const roomKey = (jid: string) => bareJid(jid);

export function getRoom(ctx: XmppContext, room: string): Room | undefined {
  const rooms = mucState(ctx).rooms;
  const key = roomKey(room);
  return Object.hasOwn(rooms, key) ? rooms[key] : undefined;
}

export function setRoom(ctx: XmppContext, room: string, value: Room): void {
  mucState(ctx).rooms[roomKey(room)] = value;
}

export function dropRoom(ctx: XmppContext, room: string): void {
  delete mucState(ctx).rooms[roomKey(room)];
}

/**
 * Waits for the room's answer to something just sent: each stanza from the room is offered to
 * `decide` until it settles, or the session's timeout passes (504). Register before sending.
 */
export function awaitRoom<T>(ctx: XmppContext, room: string, decide: Decide<T>): { promise: Promise<T>; cancel(): void } {
  const state = mucState(ctx);
  let cancel = () => undefined as void;
  const promise = new Promise<T>((resolve, reject) => {
    const waiter: Waiter = {
      room: roomKey(room),
      offer(stanza) {
        const outcome = decide(stanza);
        if (!outcome) return false;
        done();
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.value);
        return true;
      },
    };
    const timer = setTimeout(() => {
      done();
      reject(errors.timeout(`No answer from the room ${room} in time`));
    }, ctx.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      state.waiters.delete(waiter);
    };
    cancel = done;
    state.waiters.add(waiter);
  });
  return { promise, cancel: () => cancel() };
}

/** Offers a stanza from a room to the requests waiting on that room. */
export function offerToWaiters(ctx: XmppContext, stanza: Element): void {
  const state = mucState(ctx);
  if (state.waiters.size === 0) return;
  const from = roomKey(stanza.attrs.from ?? '');
  for (const w of [...state.waiters]) if (w.room === from) w.offer(stanza);
}
