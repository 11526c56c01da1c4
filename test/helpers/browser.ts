// Browser tests: Debian's Chromium (no browser download) driven by playwright-core, a proxy that can
// cut event streams, and a static site on another origin serving the demo page.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Headless Chromium as installed by scripts/install-test-deps.sh. playwright adds --headless and
 * --no-sandbox (chromiumSandbox defaults to false) and gives every launch a fresh temporary profile
 * (--user-data-dir); the rest keeps it off the network and quiet.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/install-test-deps.sh (Debian package chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface CutProxy {
  url: string;
  /** Every request that reached the proxy, in order. */
  requests: SeenRequest[];
  /** Open event streams (GET /v1/events) being relayed. */
  readonly streams: number;
  /** Drops the open event streams whose URL matches (both sockets), as a network failure would. */
  cutStreams(match: (url: string) => boolean): void;
  /** While set, new event-stream requests whose URL matches are dropped before they reach the gateway. */
  holdStreams(match: ((url: string) => boolean) | undefined): void;
  close(): Promise<void>;
}

/** An HTTP reverse proxy in front of the gateway (the page's origin) that can cut its event streams. */
export async function startCutProxy(target: string): Promise<CutProxy> {
  const requests: SeenRequest[] = [];
  const streams = new Map<() => void, string>();
  let held: ((url: string) => boolean) | undefined;
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const isStream = req.method === 'GET' && (req.url ?? '').startsWith('/v1/events');
    if (isStream && held?.(req.url ?? '')) {
      req.socket.destroy();
      return;
    }
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders();
      up.pipe(res);
    });
    const cut = () => {
      upstream.destroy();
      req.socket.destroy();
    };
    if (isStream) {
      streams.set(cut, req.url ?? '');
      res.on('close', () => streams.delete(cut));
    }
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const url = await listen(server);
  return {
    url,
    requests,
    get streams() {
      return streams.size;
    },
    cutStreams(match) {
      for (const [cut, streamUrl] of [...streams]) if (match(streamUrl)) cut();
    },
    holdStreams(match) {
      held = match;
    },
    close: () => closeServer(server),
  };
}

const DEMO_FILES: Record<string, [string, string]> = {
  '/demo': ['index.html', 'text/html; charset=utf-8'],
  '/demo/demo.js': ['demo.js', 'text/javascript; charset=utf-8'],
  '/demo/demo.css': ['demo.css', 'text/css; charset=utf-8'],
};

/** The demo page's files served from another origin, as a separate web front end would serve them. */
export async function startDemoSite(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = new URL('../../../demo/', import.meta.url);
  const server = http.createServer((req, res) => {
    const entry = DEMO_FILES[(req.url ?? '').split('?')[0]!];
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    void readFile(new URL(entry[0], dir)).then((body) => res.writeHead(200, { 'content-type': entry[1] }).end(body));
  });
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
}
