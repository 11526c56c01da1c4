// What the bench reads from /proc: CPU time (all threads of a process) and resident memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of a process (every thread), in seconds; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return NaN;
  }
}

/** VmRSS of a process, in bytes; NaN once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export type Role = 'gateway' | 'prosody' | 'loadgen' | 'redis';

export interface CpuUsage {
  /** wall-clock seconds of the measured window */
  wallS: number;
  /** the window on CLOCK_MONOTONIC, in µs (the clock of V8's CPU profiles), to cut profiles to it */
  windows?: Array<[number, number]>;
  /** CPU seconds per role over the window (sum over the role's processes) */
  cpuS: Partial<Record<Role, number>>;
}

/** CPU seconds of each role's processes over a window: new CpuMeter(pids).start() … .stop(). */
export class CpuMeter {
  private startAt = 0;
  private startMono = 0;
  private startCpu = new Map<number, number>();

  constructor(private readonly pids: Partial<Record<Role, number[]>>) {}

  start(): this {
    this.startAt = performance.now();
    this.startMono = monotonicUs();
    for (const list of Object.values(this.pids)) for (const pid of list) this.startCpu.set(pid, cpuSeconds(pid));
    return this;
  }

  stop(): CpuUsage {
    const wallS = (performance.now() - this.startAt) / 1000;
    const cpuS: Partial<Record<Role, number>> = {};
    for (const [role, list] of Object.entries(this.pids) as Array<[Role, number[]]>) {
      let sum = 0;
      for (const pid of list) sum += cpuSeconds(pid) - (this.startCpu.get(pid) ?? 0);
      cpuS[role] = round(sum, 2);
    }
    return { wallS: round(wallS, 2), windows: [[this.startMono, monotonicUs()]], cpuS };
  }
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The sum of two windows' usage (e.g. the rounds of one phase). */
export function addUsage(a: CpuUsage | undefined, b: CpuUsage): CpuUsage {
  if (!a) return b;
  const cpuS: Partial<Record<Role, number>> = { ...a.cpuS };
  for (const [role, s] of Object.entries(b.cpuS) as Array<[Role, number]>) cpuS[role] = round((cpuS[role] ?? 0) + s, 2);
  return { wallS: round(a.wallS + b.wallS, 2), windows: [...(a.windows ?? []), ...(b.windows ?? [])], cpuS };
}
