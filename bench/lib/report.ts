// The Markdown tables printed at the end of a run (and pasted into bench/README.md).
import type { CpuUsage } from './proc.js';
import type { ScenarioResult } from './types.js';

function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function cpu(usage: CpuUsage, role: 'gateway' | 'prosody' | 'loadgen' | 'redis'): string {
  const s = usage.cpuS[role];
  if (s === undefined) return '–';
  const cores = usage.wallS > 0 ? s / usage.wallS : 0;
  return `${num(s)} (${cores.toFixed(2)})`;
}

export function markdown(results: ScenarioResult[]): string {
  const lines: string[] = [];
  lines.push('| scenario | Prosody | figure | gateway | baseline | ratio | target |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | --- |');
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.scenario} | ${r.modules} | **failed**: ${r.error.replace(/\|/g, '\\|').split('\n')[0]} | | | | |`);
      continue;
    }
    for (const x of r.rows) {
      const target = x.target ? `${x.target} ${x.met ? '✓' : '✗'}` : '';
      const note = x.note ? ` (${x.note})` : '';
      lines.push(
        `| ${r.scenario} | ${r.modules} | ${x.figure}${note} | ${num(x.gateway)} ${x.unit} | ${num(x.baseline)} ${x.unit} (${x.baselineName}) | ${num(x.ratio)}× | ${target} |`,
      );
    }
  }
  lines.push('');
  lines.push('CPU seconds in each measured window (in brackets: cores busy on average = CPU s / wall s):');
  lines.push('');
  lines.push('| scenario | Prosody | phase | wall s | gateway | Prosody | load generator | Redis |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    for (const p of r.phases) {
      lines.push(
        `| ${r.scenario} | ${r.modules} | ${p.name} | ${num(p.usage.wallS)} | ${cpu(p.usage, 'gateway')} | ${cpu(p.usage, 'prosody')} | ${cpu(p.usage, 'loadgen')} | ${cpu(p.usage, 'redis')} |`,
      );
    }
  }
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.scenario} (${r.modules}): ${n}`));
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}
