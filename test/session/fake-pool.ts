// A pool with no XMPP behind it: what the session layer asked for, and answers the test chooses.
import { errors } from '../../src/errors.js';
import { loadConfig, type Config } from '../../src/config.js';
import { SessionManager, type SessionPool } from '../../src/session/manager.js';
import { MemoryBackend, memoryState, type State } from '../../src/state/index.js';
import type { SessionStore } from '../../src/state/session-store.js';
import type { ConnectTarget, LoginRequest, OpenResult } from '../../src/workers/protocol.js';

/** The default answer to open(): bound as the JID asked for. */
export const openAs = async (_sid: string, login: LoginRequest): Promise<OpenResult> => ({
  jid: { ...(login.username !== undefined && { user: login.username }), domain: login.domain, resource: login.resource ?? 'fake' },
});

export class FakePool implements SessionPool {
  readonly open_ = new Map<string, LoginRequest>();
  readonly closed: string[] = [];
  readonly calls: Array<{ sid: string; action: string; body: unknown }> = [];
  onOpen: (sid: string, login: LoginRequest) => Promise<OpenResult> = openAs;
  onCall: (sid: string, action: string, body: unknown) => Promise<unknown> = async (_sid, action) => ({ did: action });

  async open(sid: string, login: LoginRequest): Promise<OpenResult> {
    const result = await this.onOpen(sid, login);
    this.open_.set(sid, login);
    return result;
  }

  async call(sid: string, action: string, body: unknown): Promise<unknown> {
    if (!this.open_.has(sid)) throw errors.disconnected();
    this.calls.push({ sid, action, body });
    return this.onCall(sid, action, body);
  }

  onSessionless: (action: string, target: ConnectTarget, body: unknown) => Promise<unknown> = async (action) => ({ did: action });
  readonly sessionlessCalls: Array<{ action: string; target: ConnectTarget; body: unknown }> = [];
  /** Sessionless actions (account creation): no session, a connection target of their own. */
  async sessionless(action: string, target: ConnectTarget, body: unknown): Promise<unknown> {
    this.sessionlessCalls.push({ action, target, body });
    return this.onSessionless(action, target, body);
  }

  async close(sid: string): Promise<void> {
    this.open_.delete(sid);
    this.closed.push(sid);
  }
}

export const testConfig = (overrides: Partial<Config> = {}): Config =>
  loadConfig(
    {},
    {
      allowedHosts: ['example.org'],
      leaseMs: 300,
      relayTimeoutMs: 300,
      iqTimeoutMs: 1000,
      idleTimeoutS: 60,
      eventBufferAgeS: 60,
      logLevel: 'silent',
      ...overrides,
    },
  );

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface TestNode {
  manager: SessionManager;
  pool: FakePool;
  state: State;
}

/** A manager over a fake pool; nodes made with the same backend share state as nodes share Redis. */
export function testNode(
  options: {
    config?: Config;
    backend?: MemoryBackend;
    nodeId?: string;
    now?: () => number;
    /** The store as the manager sees it (a test makes some of its calls fail). */
    wrapStore?: (store: SessionStore) => SessionStore;
  } = {},
): TestNode {
  const config = options.config ?? testConfig();
  const base = memoryState(config, { nodeId: options.nodeId ?? 'local', ...(options.backend && { backend: options.backend }) });
  const state = { ...base, store: options.wrapStore ? options.wrapStore(base.store) : base.store };
  const pool = new FakePool();
  const manager = new SessionManager({
    config,
    pool,
    store: state.store,
    log: state.log,
    ownership: state.ownership,
    bus: state.bus,
    logger: silent,
    ...(options.now && { now: options.now }),
  });
  return { manager, pool, state };
}

/** The store with some methods replaced; the others are the store's own. */
export function withFailures(store: SessionStore, replace: Partial<SessionStore>): SessionStore {
  return new Proxy(store, {
    get: (target, key, receiver) => {
      const own = (replace as Record<string | symbol, unknown>)[key];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rejection(p: Promise<unknown>): Promise<{ status?: number; body?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { status?: number; body?: Record<string, unknown> }; // a GatewayError, or not: the fields are asserted
  }
  throw new Error('expected a rejection');
}
