// xmpp.js 0.14 ships no type declarations; these cover the pieces the worker wires together.
declare module '@xmpp/client-core' {
  import type { Element } from 'ltx';
  import type { EventEmitter } from 'node:events';
  export class Client extends EventEmitter {
    constructor(options: { service: string; domain: string; timeout?: number });
    transports: unknown[];
    status: string;
    jid: { toString(): string; bare(): { toString(): string }; local: string; domain: string; resource: string } | null;
    options: { domain: string; service: string };
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    isSecure(): boolean;
    restart(): Promise<void>;
    disconnect(): Promise<void>;
    socket: unknown;
  }
  export function xml(name: string, attrs?: Record<string, string | undefined>, ...children: unknown[]): Element;
  export function jid(...args: string[]): unknown;
}
declare module '@xmpp/tcp' {
  const tcp: (deps: { entity: unknown }) => void;
  export default tcp;
}
declare module '@xmpp/middleware' {
  export interface Middleware {
    use(fn: (ctx: { stanza: import('ltx').Element; entity: unknown }, next: () => Promise<unknown>) => unknown): void;
    filter(fn: unknown): void;
  }
  const middleware: (deps: { entity: unknown }) => Middleware;
  export default middleware;
}
declare module '@xmpp/stream-features' {
  const streamFeatures: (deps: { middleware: unknown }) => {
    use(
      name: string,
      xmlns: string,
      handler: (ctx: { entity: unknown }, next: () => Promise<unknown>, feature: import('ltx').Element) => unknown,
    ): void;
  };
  export default streamFeatures;
}
declare module '@xmpp/iq/caller.js' {
  const iqCaller: (deps: { middleware: unknown; entity: unknown }) => {
    request(el: import('ltx').Element, timeout?: number): Promise<import('ltx').Element>;
    set(child: import('ltx').Element, to?: string, timeout?: number): Promise<import('ltx').Element>;
  };
  export default iqCaller;
}
declare module '@xmpp/sasl' {
  const sasl: (
    deps: { streamFeatures: unknown; saslFactory: unknown },
    onAuthenticate: (
      authenticate: (credentials: Record<string, unknown>, mechanism: string) => Promise<void>,
      mechanisms: string[],
    ) => Promise<void>,
  ) => void;
  export default sasl;
}
declare module '@xmpp/resource-binding' {
  const resourceBinding: (deps: { streamFeatures: unknown; iqCaller: unknown }, resource?: string) => void;
  export default resourceBinding;
}
declare module '@xmpp/sasl-plain' {
  const plain: (factory: unknown) => void;
  export default plain;
}
declare module '@xmpp/sasl-anonymous' {
  const anonymous: (factory: unknown) => void;
  export default anonymous;
}
declare module 'saslmechanisms' {
  export default class SASLFactory {
    use(mech: unknown): this;
    create(names: string[]): unknown;
  }
}
declare module '@xmpp/client' {
  import type { Element } from 'ltx';
  import type { EventEmitter } from 'node:events';
  export interface XmppClient extends EventEmitter {
    start(): Promise<{ toString(): string }>;
    stop(): Promise<void>;
    send(el: Element): Promise<void>;
    jid: { toString(): string } | null;
    reconnect: { stop(): void };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
  }
  export function client(options: Record<string, unknown>): XmppClient;
  export function xml(name: string, attrs?: Record<string, string | undefined>, ...children: unknown[]): Element;
}
declare module '@xmpp/tls/lib/Socket.js' {
  import type { EventEmitter } from 'node:events';
  export default class Socket extends EventEmitter {
    connect(options: Record<string, unknown>): void;
  }
}
