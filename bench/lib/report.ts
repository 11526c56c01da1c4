// The Markdown tables printed at the end of a run; scripts/docs.ts renders the README's benchmark
// tables with the same functions, from bench/results/latest.json.
import type { CpuPerUnit, CpuUsage, Role } from './proc.js';
import type { Noise, ScenarioResult } from './types.js';

export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const SHORT: Record<Role, string> = { gateway: 'gw', prosody: 'Prosody', loadgen: 'load', redis: 'Redis' };

function cpu(usage: CpuUsage, role: Role): string {
  const s = usage.cpuS[role];
  if (s === undefined) return '–';
  const cores = usage.wallS > 0 ? s / usage.wallS : 0;
  return `${num(s)} (${cores.toFixed(2)})`;
}

/** "146 µs/msg: gw 50, Prosody 52, load 44": the total, then each process's share. */
export function perUnit(c: CpuPerUnit | undefined): string {
  if (!c) return '';
  const parts = (Object.keys(SHORT) as Role[]).filter((r) => c.us[r] !== undefined).map((r) => `${SHORT[r]} ${num(c.us[r]!)}`);
  return `${num(c.totalUs)} µs/${c.unit}: ${parts.join(', ')}`;
}

/** The run's noise bound: the same client twice on fresh servers. */
export function noiseLine(n: Noise & { modules: string }): string {
  const off = Math.abs(1 - n.ratio) * 100;
  return (
    `Noise bound (${n.modules}): ${n.figure}: ${num(n.first)} then ${num(n.second)} ${n.unit} (${num(n.ratio)}×); ` +
    `ratios within ±${off.toFixed(0)} % of 1 are not a difference this run can show.`
  );
}

export function figuresTable(results: ScenarioResult[]): string {
  const lines: string[] = [];
  lines.push(
    '| scenario | Prosody | figure | gateway | baseline | ratio | target | CPU per unit, gateway run | CPU per unit, baseline run |',
  );
  lines.push('| --- | --- | --- | ---: | ---: | ---: | --- | --- | --- |');
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.scenario} | ${r.modules} | **failed**: ${r.error.replace(/\|/g, '\\|').split('\n')[0]} | | | | | | |`);
      continue;
    }
    for (const x of r.rows) {
      const target = x.target ? `${x.target} ${x.met ? '✓' : '✗'}` : '';
      const note = x.note ? ` (${x.note})` : '';
      lines.push(
        `| ${r.scenario} | ${r.modules} | ${x.figure}${note} | ${num(x.gateway)} ${x.unit} | ${num(x.baseline)} ${x.unit} (${x.baselineName}) | ${num(x.ratio)}× | ${target} | ${perUnit(x.cpu?.gateway)} | ${perUnit(x.cpu?.baseline)} |`,
      );
    }
  }
  return lines.join('\n');
}

export function cpuTable(results: ScenarioResult[]): string {
  const lines: string[] = [];
  lines.push(
    '| scenario | Prosody | phase | server | wall s | gateway | Prosody | load generator | Redis | CPU per unit | load before → after |',
  );
  lines.push('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    for (const p of r.phases) {
      const server = p.server ? `#${p.server.instance} ${p.server.fresh ? 'fresh' : 'shared'}` : '';
      const per = p.perUnit ? `${num(p.perUnit.totalUs)} µs/${p.perUnit.unit}` : '';
      const l = p.usage.load;
      const load = l ? `${l.before.one.toFixed(2)} → ${l.after.one.toFixed(2)} (runnable ${l.before.running} → ${l.after.running})` : '';
      lines.push(
        `| ${r.scenario} | ${r.modules} | ${p.name} | ${server} | ${num(p.usage.wallS)} | ${cpu(p.usage, 'gateway')} | ${cpu(p.usage, 'prosody')} | ${cpu(p.usage, 'loadgen')} | ${cpu(p.usage, 'redis')} | ${per} | ${load} |`,
      );
    }
  }
  return lines.join('\n');
}

export function notesList(results: ScenarioResult[]): string {
  return results.flatMap((r) => r.notes.map((n) => `- ${r.scenario} (${r.modules}): ${n}`)).join('\n');
}

export function markdown(results: ScenarioResult[]): string {
  const lines = [figuresTable(results), ''];
  lines.push(
    'CPU seconds in each measured window (in brackets: cores busy on average = CPU s / wall s); server: the Prosody it ran on, ' +
      'fresh when no other phase of the scenario was measured on it; load: the 1-minute load average as the window opened and closed, and the runnable tasks at those instants (/proc/loadavg):',
  );
  lines.push('', cpuTable(results));
  const notes = notesList(results);
  if (notes) lines.push('', notes);
  return lines.join('\n');
}
