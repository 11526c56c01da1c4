// The main ⇄ worker message protocol. Plain JSON only (ltx elements do not survive structured
// clone, and the HTTP thread never touches XML). Bump PROTOCOL_VERSION on any incompatible change.
import type { ErrorBody } from '../errors.js';
import type { Jid } from '../xmpp/jid.js';

export const PROTOCOL_VERSION = 1;

export interface LoginRequest {
  host: string;
  port: number;
  domain: string;
  username?: string;
  password?: string;
  resource?: string;
  anonymous: boolean;
}

/** XEP-0077 §3.1: create an account on a fresh, unauthenticated stream (POST /v1/register). */
export interface RegisterRequest {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  fields?: Record<string, string>;
}

export type ToWorker =
  | { v: 1; t: 'open'; req: number; sid: string; login: LoginRequest }
  | { v: 1; t: 'register'; req: number; account: RegisterRequest }
  | { v: 1; t: 'call'; req: number; sid: string; action: string; body: unknown }
  | { v: 1; t: 'close'; req: number; sid: string };

export type FromWorker =
  | { v: 1; t: 'ready' }
  | { v: 1; t: 'reply'; req: number; ok: true; data: unknown }
  | { v: 1; t: 'reply'; req: number; ok: false; error: { status: number; body: ErrorBody } }
  | { v: 1; t: 'event'; sid: string; name: string; data: unknown }
  | { v: 1; t: 'closed'; sid: string; reason: string };

export interface OpenResult {
  jid: Jid;
}

export interface WorkerSettings {
  iqTimeoutMs: number;
  /** How long an incoming request waits for the client's answer (API.md §4). */
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  tlsVerify: boolean;
  caps: { node: string };
}
