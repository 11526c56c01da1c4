// Which part may load which: the worker threads never load the session layer or HTTP; the HTTP layer
// and app.ts reach Redis only through src/state/index.ts (errors arrive as GatewayErrors).
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const src = path.join(root, 'src');

/** The modules a source file imports: relative ones as paths under src/, packages by name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
    const spec = m[1]!;
    out.push(spec.startsWith('.') ? path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) : spec);
  }
  return out;
}

function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const dep of importsOf(file)) if (dep.startsWith(src)) todo.push(dep);
  }
  return seen;
}

const rel = (f: string) => path.relative(root, f);

t.test('a worker thread loads neither src/session/ nor src/http/', async (t) => {
  const loaded = [...closure(path.join(src, 'workers', 'worker.ts'))].map(rel);
  t.ok(loaded.includes('src/redact.ts'), 'the walk follows imports (it reaches redact.ts through the XEP handlers)');
  t.same(
    loaded.filter((f) => f.startsWith('src/session/') || f.startsWith('src/http/')),
    [],
  );
});

t.test('the HTTP layer and app.ts import nothing of ioredis or of a Redis implementation', async (t) => {
  const files = [path.join(src, 'app.ts'), ...readdirSync(path.join(src, 'http')).map((f) => path.join(src, 'http', f))];
  const offending = files.flatMap((f) =>
    importsOf(f)
      .filter((d) => d === 'ioredis' || /src\/state\/.*-redis\.ts$|src\/state\/redis(-[a-z]+)?\.ts$/.test(d))
      .map((d) => `${rel(f)} → ${d.startsWith(root) ? rel(d) : d}`),
  );
  t.same(offending, []);
  t.ok(
    importsOf(path.join(src, 'app.ts')).some((d) => rel(d) === 'src/state/index.ts'),
    'app.ts takes its state from createState()',
  );
});
