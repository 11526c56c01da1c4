// node dist/bench/profile-summary.js DIR|FILE… [--top N]: where the time goes in V8 CPU profiles
// (.cpuprofile, as written by --cpu-prof): self time by function and by package / source folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** share of samples not idle */
  busyMs: number;
  functions: Array<{ name: string; ms: number; pct: number }>;
  groups: Array<{ name: string; ms: number; pct: number }>;
}

/** node_modules/<pkg>, src/<folder>, node:internal, or (idle)/(gc)/(program). */
function groupOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/dist\/(src\/[^/]+)/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return path.basename(url);
}

/** windows: only samples taken inside these CLOCK_MONOTONIC µs ranges (the measured phases). */
export function summarize(file: string, top = 25, windows?: Array<[number, number]>): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (windows && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    total += ms;
    if (functionName === '(idle)') idle += ms;
    const short = url ? url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/') : '';
    const name = `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + ms);
    const g = groupOf(url, functionName);
    groups.set(g, (groups.get(g) ?? 0) + ms);
  }
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: busy > 0 ? Math.round((ms / busy) * 1000) / 10 : 0 }));
  return { file, totalMs: Math.round(total), busyMs: Math.round(busy), functions: list(fns), groups: list(groups) };
}

export function filesIn(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesIn(path.join(target, e.name)) : e.name.endsWith('.cpuprofile') ? [path.join(target, e.name)] : [],
  );
}

export function format(s: ProfileSummary): string {
  const rows = (items: ProfileSummary['functions']) =>
    items.map((x) => `  ${String(x.pct).padStart(5)}%  ${String(x.ms).padStart(6)} ms  ${x.name}`).join('\n');
  return `${s.file}: ${s.busyMs} ms busy of ${s.totalMs} ms\n by package/folder (self time):\n${rows(s.groups.slice(0, 12))}\n by function (self time):\n${rows(s.functions)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 25;
  for (const target of args) for (const f of filesIn(target)) process.stdout.write(`${format(summarize(f, top))}\n`);
}
