// What a scenario gets and what it gives back.
import type { ProsodyServer } from '../../test/helpers/prosody.js';
import type { RedisServer } from '../../test/helpers/redis.js';
import type { Account, XmppTarget } from './direct.js';
import type { CpuPerUnit, CpuUsage } from './proc.js';

export type ModuleSet = 'lean' | 'full';

export interface BenchContext {
  quick: boolean;
  modules: ModuleSet;
  /** the current Prosody (freshProsody() replaces it): its address, process and accounts */
  readonly server: XmppTarget;
  readonly prosody: ProsodyServer;
  readonly accounts: Account[];
  /**
   * Call before each measured phase (and start that phase's gateway after it: the gateway may only
   * connect to the Prosody it was started for): stops the current Prosody if a window has measured it
   * and starts a new one with the same modules and account names (new passwords and port). A Prosody
   * serving one client after another slows down (mod_mam's archive, sessions it held), so a shared one
   * made each figure depend on which phase ran first.
   */
  freshProsody(): Promise<void>;
  /** marks the current Prosody as measured and returns its number in the run (CpuMeter's `server`) */
  claimProsody(): number;
  /** idle scenario: sessions to open */
  sessions: number;
  /** when set, gateways write CPU profiles under this directory */
  profileDir?: string;
  /** a private redis-server, started on first use and shared by the run */
  redis(): Promise<RedisServer>;
  log(message: string): void;
}

export interface Row {
  figure: string;
  unit: string;
  gateway: number;
  baseline: number;
  /** what the baseline is: direct, 1 worker, owner node, … */
  baselineName: string;
  /** gateway / baseline */
  ratio: number;
  target?: string;
  met?: boolean;
  note?: string;
  /** CPU per unit of work of each process, in the gateway's window and in the baseline's */
  cpu?: { gateway: CpuPerUnit; baseline: CpuPerUnit };
}

export interface Phase {
  name: string;
  usage: CpuUsage;
  /** CPU per unit of work in the window, when the phase counts its work */
  perUnit?: CpuPerUnit;
  /** which Prosody served it, and whether no other phase of the scenario was measured on it (run.ts) */
  server?: { instance: number; fresh: boolean };
  /** anything else measured in the phase, for the JSON */
  extra?: Record<string, unknown>;
}

/** The same client measured twice on fresh servers: how far two identical runs differ here, now. */
export interface Noise {
  figure: string;
  unit: string;
  first: number;
  second: number;
  /** second / first */
  ratio: number;
}

export interface ScenarioResult {
  scenario: string;
  modules: ModuleSet;
  rows: Row[];
  phases: Phase[];
  notes: string[];
  /** parameters the scenario ran with */
  params: Record<string, unknown>;
  /** the scenario's same-client-twice control, if it has one */
  noise?: Noise;
  error?: string;
}

export type Scenario = (ctx: BenchContext) => Promise<Omit<ScenarioResult, 'scenario' | 'modules'>>;

export function row(
  figure: string,
  unit: string,
  gateway: number,
  baseline: number,
  baselineName: string,
  extra: { target?: string; met?: boolean; note?: string; cpu?: { gateway: CpuPerUnit; baseline: CpuPerUnit } } = {},
): Row {
  const ratio = baseline === 0 ? (gateway === 0 ? 1 : Infinity) : gateway / baseline;
  return { figure, unit, gateway, baseline, baselineName, ratio: Math.round(ratio * 100) / 100, ...extra };
}
