// A lean SSE reader for load: hands each event's name and raw data to a callback and keeps nothing
// (test/helpers/sse.ts keeps every event, which thousands of streams cannot afford). pause() stops
// reading from the socket, to play a slow consumer.
import http from 'node:http';

export type SseListener = (name: string, data: string, id: string | undefined) => void;

export class SseStream {
  status = 0;
  /** set once the server ended the stream or the socket closed */
  ended = false;
  events = 0;
  bytes = 0;
  private buffer = '';
  private res: http.IncomingMessage | undefined;
  private req: http.ClientRequest | undefined;
  private endWaiters: Array<() => void> = [];

  /** Resolves once the response headers arrived (status 200, or the error status). */
  static open(
    baseUrl: string,
    token: string,
    onEvent: SseListener,
    options: { lastEventId?: string; agent?: http.Agent } = {},
  ): Promise<SseStream> {
    const stream = new SseStream();
    const url = new URL('/v1/events', baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.get(
        url,
        {
          agent: options.agent ?? false,
          headers: {
            accept: 'text/event-stream',
            authorization: `Bearer ${token}`,
            ...(options.lastEventId !== undefined && { 'last-event-id': options.lastEventId }),
          },
        },
        (res) => {
          stream.res = res;
          stream.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => stream.feed(chunk, onEvent));
          const end = () => stream.markEnded();
          res.on('end', end);
          res.on('close', end);
          res.on('error', end);
          resolve(stream);
        },
      );
      stream.req = req;
      req.on('error', (err) => {
        stream.markEnded();
        reject(err);
      });
    });
  }

  private feed(chunk: string, onEvent: SseListener): void {
    this.bytes += chunk.length;
    this.buffer += chunk;
    let idx;
    while ((idx = this.buffer.indexOf('\n\n')) !== -1) {
      const frame = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      let id: string | undefined;
      let name = 'message';
      let data: string | undefined;
      for (const line of frame.split('\n')) {
        if (line.startsWith('data: ')) data = data === undefined ? line.slice(6) : `${data}\n${line.slice(6)}`;
        else if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data !== undefined) {
        this.events++;
        onEvent(name, data, id);
      }
    }
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    for (const w of this.endWaiters.splice(0)) w();
  }

  /** Resolves when the stream ends, or false after ms. */
  waitEnded(ms: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  close(): void {
    this.req?.destroy();
    this.markEnded();
  }
}
