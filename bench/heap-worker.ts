// node dist/bench/heap-worker.js [FROM] [TO] [direct|main]: what one idle session costs in a heap, by
// kind of object. Logs FROM, then TO sessions into an in-process gateway with one worker (lean Prosody),
// takes a V8 heap snapshot of the worker after each (a snapshot collects garbage first, so it counts live
// objects only) and prints the difference per added session, by constructor, with the total. With
// `direct`: the same for direct connections (the baseline's client, bench/lib/direct.ts) in this
// process's own heap; with `main`: also the main thread's heap per SSE stream, its client side included.
// No load figure: it does not depend on how busy the machine is. bench/README.md "Issue #18 goals".
import { startGateway } from '../test/helpers/gateway.js';
import { startProsody } from '../test/helpers/prosody.js';
import { get } from 'node:http';
import { getHeapSnapshot } from 'node:v8';
import { connectDirect, mapLimit } from './lib/direct.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size by "type name" (e.g. "object XmppSession", "closure emit", "string"). */
async function sizes(stream: NodeJS.ReadableStream): Promise<Map<string, { bytes: number; count: number }>> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  // The snapshot is V8's JSON heap snapshot format.
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]!]!;
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]!]! : '';
    const key = `${type} ${name}`.trim();
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += snap.nodes[i + iSize]!;
    e.count += 1;
    out.set(key, e);
  }
  return out;
}

const from = Number(process.argv[2] ?? 100);
const to = Number(process.argv[3] ?? 600);
const prosody = await startProsody({ users: to, lean: true, carbons: false, logLevel: 'warn', startTimeoutMs: 120000 });
if (process.argv[4] === 'direct') {
  const target = { host: prosody.host, port: prosody.port, domain: prosody.domain };
  const open = (list: typeof prosody.users) =>
    mapLimit(list, 20, (u) => connectDirect(target, { username: u.username, password: u.password }, 'heap'));
  const clients = await open(prosody.users.slice(0, from));
  const a = await sizes(getHeapSnapshot());
  clients.push(...(await open(prosody.users.slice(from, to))));
  const b = await sizes(getHeapSnapshot());
  report('direct client heap', a, b);
  await mapLimit(clients, 50, (c) => c.stop());
  await prosody.stop();
  process.exit(0);
}

function report(what: string, a: Map<string, { bytes: number; count: number }>, b: Map<string, { bytes: number; count: number }>): void {
  const n = to - from;
  const rows = [...b]
    .map(([k, v]) => ({ k, bytes: (v.bytes - (a.get(k)?.bytes ?? 0)) / n, count: (v.count - (a.get(k)?.count ?? 0)) / n }))
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  process.stdout.write(`${what} per session, ${from} → ${to} sessions: ${(total / 1024).toFixed(2)} KiB\n`);
  for (const r of rows.slice(0, 30))
    process.stdout.write(`${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(6)} objects  ${r.k}\n`);
}

const gw = await startGateway(prosody, { workers: 1 });
try {
  const { pool } = gw.app.gateway;
  await mapLimit(prosody.users.slice(0, from), 20, (u) => gw.login(u, { resource: 'heap' }));
  const a = await sizes(await pool.heapSnapshot(0));
  await mapLimit(prosody.users.slice(from, to), 20, (u) => gw.login(u, { resource: 'heap' }));
  const b = await sizes(await pool.heapSnapshot(0));
  report('worker heap', a, b);
  if (process.argv[4] === 'main') {
    // The main thread with one SSE stream per session; the streams' client side (this process's
    // http.get) is in the same heap, so compare two builds' figures rather than read this one alone.
    const opened: Array<() => void> = [];
    const stream = async (token: string) =>
      new Promise<void>((resolve, reject) => {
        const req = get(`${gw.url}/v1/events`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.once('data', () => resolve());
          opened.push(() => req.destroy());
        });
        req.once('error', reject);
      });
    const tokens = await mapLimit(prosody.users.slice(0, to), 20, (u) => gw.login(u, { resource: 'main' }).then((x) => x.token));
    await mapLimit(tokens.slice(0, from), 20, stream);
    const m1 = await sizes(getHeapSnapshot());
    await mapLimit(tokens.slice(from, to), 20, stream);
    const m2 = await sizes(getHeapSnapshot());
    report('main thread heap (gateway and stream clients)', m1, m2);
    for (const end of opened) end();
  }
} finally {
  await gw.close();
  await prosody.stop();
}
