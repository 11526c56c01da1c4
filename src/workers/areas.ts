// What every session of a worker shares, built once per worker thread from the registry: the
// worker sides of all areas (loaded here, never on the HTTP thread), one dispatch table, the
// action handlers by name, and the gateway's features.
import type { Area, LoadedWorker } from '../xeps/area.js';
import { gatewayFeatures } from '../xeps/index.js';
import type { PreAuthContext, XmppContext } from '../xmpp/context.js';
import { Dispatcher } from '../xmpp/dispatch.js';

export type ActionFn = (ctx: XmppContext, body: unknown) => Promise<unknown>;
export type SessionlessFn = (ctx: PreAuthContext, body: unknown) => Promise<unknown>;

export interface LoadedAreas {
  dispatcher: Dispatcher<XmppContext>;
  actions: ReadonlyMap<string, ActionFn>;
  sessionless: ReadonlyMap<string, SessionlessFn>;
  features: readonly string[];
}

export async function loadAreas(areas: readonly Area[]): Promise<LoadedAreas> {
  // `as` makes the pair a tuple, not an array of unions (no conversion).
  const workers: Array<[Area, LoadedWorker]> = await Promise.all(areas.map(async (a) => [a, await a.load()] as [Area, LoadedWorker]));
  return buildAreas(workers);
}

/** The shared tables from loaded worker sides; a declared action without a handler is refused. */
export function buildAreas(workers: ReadonlyArray<readonly [Area, LoadedWorker]>): LoadedAreas {
  const dispatcher = new Dispatcher<XmppContext>();
  const actions = new Map<string, ActionFn>();
  const sessionless = new Map<string, SessionlessFn>();
  for (const [{ api }, worker] of workers) {
    for (const name of Object.keys(api.actions)) {
      const fn = worker.actions[name];
      if (!fn) throw new Error(`Area ${api.id} declares action ${name} but its worker side has no handler`);
      actions.set(name, fn);
    }
    for (const name of Object.keys(api.sessionless ?? {})) {
      const fn = worker.sessionless?.[name];
      if (!fn) throw new Error(`Area ${api.id} declares sessionless action ${name} but its worker side has no handler`);
      sessionless.set(name, fn);
    }
    for (const inc of worker.incoming ?? []) dispatcher.on(inc.key, inc.handle, api.id, inc.priority ?? 0);
  }
  return { dispatcher, actions, sessionless, features: gatewayFeatures(workers.map(([a]) => a)) };
}
