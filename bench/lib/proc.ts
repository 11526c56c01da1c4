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

/**
 * utime + stime of a process (every thread), in seconds; NaN once it is gone. The bench process reads
 * its own from process.cpuUsage() (getrusage: µs, where /proc counts 10 ms clock ticks).
 */
export function cpuSeconds(pid: number): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
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
export const ROLES: readonly Role[] = ['gateway', 'prosody', 'loadgen', 'redis'];

/** /proc/loadavg: run-queue averages over 1, 5 and 15 minutes, and runnable / all scheduling entities. */
export interface LoadAvg {
  one: number;
  five: number;
  fifteen: number;
  running: number;
  total: number;
}

export function loadAvg(): LoadAvg {
  try {
    const [one, five, fifteen, procs] = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/);
    const [running, total] = (procs ?? '').split('/');
    return { one: Number(one), five: Number(five), fifteen: Number(fifteen), running: Number(running), total: Number(total) };
  } catch {
    return { one: NaN, five: NaN, fifteen: NaN, running: NaN, total: NaN };
  }
}

export interface CpuUsage {
  /** wall-clock seconds of the measured window */
  wallS: number;
  /** the window on CLOCK_MONOTONIC, in µs (the clock of V8's CPU profiles), to cut profiles to it */
  windows?: Array<[number, number]>;
  /** CPU seconds per role over the window (sum over the role's processes) */
  cpuS: Partial<Record<Role, number>>;
  /** the machine's load when the window opened and when it closed */
  load?: { before: LoadAvg; after: LoadAvg };
  /** which Prosody of the run served the window (run.ts numbers them; -1: windows on several) */
  server?: number;
}

/** CPU per unit of work (message, login, event…) in a window, per role, in µs. */
export interface CpuPerUnit {
  unit: string;
  count: number;
  us: Partial<Record<Role, number>>;
  totalUs: number;
}

export function cpuPer(usage: CpuUsage, count: number, unit: string): CpuPerUnit {
  const us: Partial<Record<Role, number>> = {};
  let totalUs = 0;
  for (const role of ROLES) {
    const s = usage.cpuS[role];
    if (s === undefined) continue;
    const per = count > 0 ? round((s * 1e6) / count, 1) : NaN;
    us[role] = per;
    totalUs += per;
  }
  return { unit, count, us, totalUs: round(totalUs, 1) };
}

/**
 * CPU seconds of each role's processes over a window: new CpuMeter(pids).start() … .stop().
 * `server`, when given, is called as the window opens: it names the Prosody serving it (and lets
 * run.ts know that Prosody has now been measured).
 */
export class CpuMeter {
  private startAt = 0;
  private startMono = 0;
  private startCpu = new Map<number, number>();
  private loadBefore: LoadAvg | undefined;
  private serverId: number | undefined;

  constructor(
    private readonly pids: Partial<Record<Role, number[]>>,
    private readonly server?: () => number,
  ) {}

  start(): this {
    this.serverId = this.server?.();
    this.loadBefore = loadAvg();
    this.startAt = performance.now();
    this.startMono = monotonicUs();
    for (const list of Object.values(this.pids)) for (const pid of list) this.startCpu.set(pid, cpuSeconds(pid));
    return this;
  }

  stop(): CpuUsage {
    const wallS = (performance.now() - this.startAt) / 1000;
    const cpuS: Partial<Record<Role, number>> = {};
    for (const [role, list] of Object.entries(this.pids) as Array<[Role, number[]]>) {
      // A role without processes in this phase (no gateway in a direct phase) is absent, not 0.
      if (list.length === 0) continue;
      let sum = 0;
      for (const pid of list) sum += cpuSeconds(pid) - (this.startCpu.get(pid) ?? 0);
      // ms: /proc counts 10 ms ticks, but the bench process's own figure (getrusage) is finer.
      cpuS[role] = round(sum, 3);
    }
    return {
      wallS: round(wallS, 2),
      windows: [[this.startMono, monotonicUs()]],
      cpuS,
      ...(this.loadBefore && { load: { before: this.loadBefore, after: loadAvg() } }),
      ...(this.serverId !== undefined && { server: this.serverId }),
    };
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
  for (const [role, s] of Object.entries(b.cpuS) as Array<[Role, number]>) cpuS[role] = round((cpuS[role] ?? 0) + s, 3);
  const load = a.load && b.load ? { before: a.load.before, after: b.load.after } : (a.load ?? b.load);
  const server = a.server === b.server ? a.server : -1;
  return {
    wallS: round(a.wallS + b.wallS, 2),
    windows: [...(a.windows ?? []), ...(b.windows ?? [])],
    cpuS,
    ...(load && { load }),
    ...(server !== undefined && { server }),
  };
}
