// What a scenario gets and what it gives back.
import type { ProsodyServer } from '../../test/helpers/prosody.js';
import type { RedisServer } from '../../test/helpers/redis.js';
import type { Account, XmppTarget } from './direct.js';
import type { CpuUsage } from './proc.js';

export type ModuleSet = 'lean' | 'full';

export interface BenchContext {
  quick: boolean;
  modules: ModuleSet;
  server: XmppTarget;
  prosody: ProsodyServer;
  accounts: Account[];
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
}

export interface Phase {
  name: string;
  usage: CpuUsage;
  /** anything else measured in the phase, for the JSON */
  extra?: Record<string, unknown>;
}

export interface ScenarioResult {
  scenario: string;
  modules: ModuleSet;
  rows: Row[];
  phases: Phase[];
  notes: string[];
  /** parameters the scenario ran with */
  params: Record<string, unknown>;
  error?: string;
}

export type Scenario = (ctx: BenchContext) => Promise<Omit<ScenarioResult, 'scenario' | 'modules'>>;

export function row(
  figure: string,
  unit: string,
  gateway: number,
  baseline: number,
  baselineName: string,
  extra: { target?: string; met?: boolean; note?: string } = {},
): Row {
  const ratio = baseline === 0 ? (gateway === 0 ? 1 : Infinity) : gateway / baseline;
  return { figure, unit, gateway, baseline, baselineName, ratio: Math.round(ratio * 100) / 100, ...extra };
}
