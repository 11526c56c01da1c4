// The node bus over Redis pub/sub: one channel per node. The owner acknowledges a request as soon as
// it arrives and answers when done, so that a requester tells a dead or stuck node (no
// acknowledgement within RELAY_TIMEOUT_MS: 503) from a slow action (up to the request timeout: 504).
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { errors, GatewayError } from '../errors.js';
import { type BusReply, type BusRequest, type BusRequestOptions, type NodeBus, toReply, Waiting } from './bus.js';
import { guarded, type RedisClient } from './redis.js';
import { keys } from './redis-keys.js';
import type { PubSub } from './redis-pubsub.js';

type Wire = { t: 'req'; id: string; from: string; req: BusRequest } | { t: 'ack'; id: string } | ({ t: 'res'; id: string } & BusReply);

export class RedisBus implements NodeBus {
  readonly ready: Promise<void>;
  private handler: ((req: BusRequest) => Promise<unknown>) | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly waiting = new Waiting({
    noAck: () => errors.unavailable('The node that owns this session did not answer'),
    timeout: () => errors.timeout('The node that owns this session did not answer in time'),
    aborted: (reason) => (reason instanceof GatewayError ? reason : errors.unavailable('The request to the owner node was given up')),
  });

  constructor(
    private readonly redis: RedisClient,
    pubsub: PubSub,
    private readonly nodeId: string,
  ) {
    this.ready = pubsub
      .subscribe(keys.nodeChannel(nodeId), (message) => void this.onMessage(message))
      .then((off) => {
        this.unsubscribe = off;
      });
  }

  async request(nodeId: string, req: BusRequest, options: BusRequestOptions): Promise<unknown> {
    const id = randomUUID();
    const answer = this.waiting.wait(id, options);
    try {
      const receivers = await guarded(() =>
        this.redis.publish(keys.nodeChannel(nodeId), JSON.stringify({ t: 'req', id, from: this.nodeId, req } satisfies Wire)),
      );
      // One server counts every subscriber: none means the node is gone (its connection closed with
      // it). A Cluster counts only the subscribers of the node that took the PUBLISH: no verdict there.
      if (receivers === 0 && !(this.redis instanceof Cluster)) {
        this.waiting.settle(id, errors.unavailable('The node that owns this session is not reachable'));
      }
    } catch (err) {
      this.waiting.settle(id, err instanceof Error ? err : errors.internal());
    }
    return answer;
  }

  serve(handler: (req: BusRequest) => Promise<unknown>): void {
    this.handler = handler;
  }

  private send(nodeId: string, wire: Wire): Promise<void> {
    return this.redis.publish(keys.nodeChannel(nodeId), JSON.stringify(wire)).then(
      () => undefined,
      () => undefined, // the requester's own deadline answers for a reply that could not be sent
    );
  }

  private async onMessage(message: string): Promise<void> {
    let wire: Wire;
    try {
      wire = JSON.parse(message) as Wire; // written by another node of ours with the same Wire type
    } catch {
      return;
    }
    if (wire.t === 'ack') return this.waiting.acked(wire.id);
    if (wire.t === 'res') {
      const { t: _t, id, ...reply } = wire;
      return this.waiting.settle(id, reply);
    }
    const handler = this.handler;
    if (!handler)
      return void this.send(wire.from, {
        t: 'res',
        id: wire.id,
        ...toReply({ error: errors.unavailable('This node is not serving requests') }),
      });
    void this.send(wire.from, { t: 'ack', id: wire.id });
    let reply: BusReply;
    try {
      reply = toReply({ data: await handler(wire.req) });
    } catch (error) {
      reply = toReply({ error });
    }
    await this.send(wire.from, { t: 'res', id: wire.id, ...reply });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.handler = undefined;
    this.waiting.failAll(() => errors.unavailable('This node is shutting down'));
  }
}
