// A XEP-0114 component (@xmpp/component) on the test Prosody's component port: a peer that owns
// the whole component domain (component.localhost and every JID under it) and answers IQs with
// handlers the test registers. Unlike @xmpp/client it answers nothing by itself, pings included:
// an IQ without a handler gets service-unavailable.
import { createRequire } from 'node:module';
import type { Element } from 'ltx';

export interface IqContext {
  stanza: Element;
  /** The IQ's payload child. */
  element: Element;
}
/** Returns the payload of the result, an <error/> element, true (an empty result), or undefined (service-unavailable). */
export type IqHandler = (ctx: IqContext) => unknown;

interface ComponentEntity {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  reconnect: { stop(): void };
  send(el: Element): Promise<unknown>;
  on(event: string, fn: (arg: never) => void): void;
  iqCallee: { get(ns: string, name: string, handler: IqHandler): void; set(ns: string, name: string, handler: IqHandler): void };
}
// @xmpp/component 0.13 is CommonJS without type declarations.
interface ComponentModule {
  component(options: { service: string; domain: string; password: string }): ComponentEntity;
  xml(name: string, attrs?: Record<string, string | undefined>, ...children: unknown[]): Element;
}
const lib = createRequire(import.meta.url)('@xmpp/component') as ComponentModule;

/** Builds elements the component's IQ handlers may return (its own ltx copy: instanceof matters there). */
export const cxml = lib.xml;

export interface ComponentServer {
  host: string;
  componentPort: number;
  componentDomain: string;
  componentSecret: string;
}

export interface TestComponent {
  domain: string;
  /** Every IQ request received, in order. */
  received: Element[];
  onGet(ns: string, name: string, handler: IqHandler): void;
  onSet(ns: string, name: string, handler: IqHandler): void;
  /** Sends a stanza (built with cxml) as the component; `from` may be any JID of its domain. */
  send(el: Element): Promise<void>;
  /** Every stanza received that is not an IQ request (answers to what it sent, messages, presence). */
  stanzas: Element[];
  stop(): Promise<void>;
}

export async function startComponent(server: ComponentServer): Promise<TestComponent> {
  const entity = lib.component({
    service: `xmpp://${server.host}:${server.componentPort}`,
    domain: server.componentDomain,
    password: server.componentSecret,
  });
  entity.on('error', () => undefined);
  const received: Element[] = [];
  const stanzas: Element[] = [];
  entity.on('stanza', (stanza: Element) => {
    if (!(stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set'))) stanzas.push(stanza);
  });
  const record =
    (handler: IqHandler): IqHandler =>
    (ctx) => {
      received.push(ctx.stanza);
      return handler(ctx);
    };
  await entity.start();
  return {
    domain: server.componentDomain,
    received,
    onGet: (ns, name, handler) => entity.iqCallee.get(ns, name, record(handler)),
    onSet: (ns, name, handler) => entity.iqCallee.set(ns, name, record(handler)),
    send: async (el) => {
      await entity.send(el);
    },
    stanzas,
    stop: async () => {
      // Without this, the close that stop() causes schedules a reconnect 1 s later, and that timer
      // alone keeps the test process alive for a second after its last test.
      entity.reconnect.stop();
      await entity.stop().catch(() => undefined);
    },
  };
}
