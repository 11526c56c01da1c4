// One schema for every setting, read from the environment once. `--help` prints this table, and
// `npm run docs:write` writes it into the README (settingsTable()).
import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { jidToString, parseJid } from './xmpp/jid.js';
import { messageOf } from './errors.js';

interface Setting<T> {
  env: string;
  description: string;
  default: T;
  /** How the default reads in the docs when it depends on the machine (e.g. the CPU count). */
  shown?: string;
  parse(raw: string): T;
}

const int = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
  return n;
};
const str = (raw: string) => raw;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: string): T => {
    const hit = values.find((v) => v === raw);
    if (hit === undefined) throw new Error(`must be one of ${values.join(', ')}`);
    return hit;
  };
const bool = (raw: string) => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error('must be true or false');
};
/** A service JID (RFC 7622): a domain, or node@domain; no resource, no spaces. */
const serviceJid = (raw: string) => {
  const jid = parseJid(raw);
  if (!jid || jid.resource !== undefined) throw new Error('must be a JID without a resource, e.g. pubsub.example.org');
  return jidToString(jid);
};
/** A VAPID key (RFC 8292 §3.2): base64url (unpadded, as web-push prints it) of exactly `bytes` bytes. */
const vapidKey = (bytes: number, what: string) => (raw: string) => {
  if (!/^[A-Za-z0-9_-]+$/.test(raw) || Buffer.from(raw, 'base64url').length !== bytes) {
    throw new Error(`must be base64url of ${what}`);
  }
  return raw;
};
const vapidSubject = (raw: string) => {
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(raw)) throw new Error('must be a mailto: or https: URL');
  return raw;
};
/** A PEM bundle that must hold at least one certificate: a wrong path fails at start-up, not at the first delivery. */
const caFile = (raw: string) => {
  if (raw === '') return raw;
  let pem: string;
  try {
    pem = readFileSync(raw, 'utf8');
  } catch (err) {
    throw new Error(`cannot be read (${messageOf(err)})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('must be a PEM file of certificates');
  return raw;
};
/** A 256-bit key, as 64 hex digits or base64/base64url of 32 bytes; kept as base64. */
const key256 = (raw: string) => {
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : Buffer.alloc(0);
  if (bytes.length !== 32) throw new Error('must be 32 bytes, as 64 hex digits or base64 (e.g. openssl rand -base64 32)');
  return bytes.toString('base64');
};
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const settings = {
  port: { env: 'PORT', description: 'HTTP port', default: 8080, parse: int(0, 65535) },
  host: { env: 'HOST', description: 'HTTP listen address (0.0.0.0 to listen on every interface)', default: '127.0.0.1', parse: str },
  allowedHosts: {
    env: 'XMPP_ALLOWED_HOSTS',
    description: 'Comma-separated XMPP servers a login may connect to: host or host:port (port 5222 when omitted); * allows any',
    default: ['localhost'],
    parse: list,
  },
  tlsVerify: {
    env: 'XMPP_TLS_VERIFY',
    description: "Verify XMPP servers' certificates on STARTTLS; false accepts self-signed ones (development only)",
    default: true,
    parse: bool,
  },
  superfeedrJid: {
    env: 'SUPERFEEDR_JID',
    description: 'The Superfeedr service the superfeedr/* actions address; its event notifications alone become xmpp.superfeedr.push',
    default: 'firehoser.superfeedr.com',
    parse: serviceJid,
  },
  fanoutJid: {
    env: 'FANOUT_JID',
    description:
      'The Fanout service fanout/fpp/* actions address when they name no `to`; its item notifications (and those of every `to` a subscribe used) become fanout.fpp.push',
    default: 'pubsub.fanout.io',
    parse: serviceJid,
  },
  allowPlain: {
    env: 'XMPP_ALLOW_PLAIN',
    description:
      'Allow SASL PLAIN, used only over TLS and only when the server offers no SCRAM (e.g. LDAP-backed servers); false: SCRAM only, so the password itself never leaves the gateway',
    default: true,
    parse: bool,
  },
  workers: {
    env: 'WORKERS',
    description:
      'XMPP worker threads; 0 runs the XMPP sessions on the HTTP thread (no thread hop and no fault isolation: docs/ops/README.md)',
    default: availableParallelism(),
    shown: 'CPU count',
    parse: int(0, 256),
  },
  redisUrl: {
    env: 'REDIS_URL',
    description: 'Redis URL for multi-node mode (empty: single node, in-memory state)',
    default: '',
    parse: str,
  },
  nodeId: {
    env: 'NODE_ID',
    description: 'This node’s name in multi-node mode (default: host name, process id and a random suffix)',
    default: '',
    parse: str,
  },
  leaseMs: {
    env: 'LEASE_MS',
    description: 'Multi-node mode: how long a session outlives its owner node (lease lifetime; renewed every third of it)',
    default: 10000,
    parse: int(1000, 300000),
  },
  sessionKey: {
    env: 'SESSION_KEY',
    description:
      'Multi-node mode: 32 bytes (64 hex digits or base64) that encrypt, with AES-256-GCM, what another node needs to take a session over when its node dies or drains (docs/api.md "Continuity"), and webhook signing secrets in Redis; the same on every node. Empty: no takeover, a node’s sessions end with it',
    default: '',
    parse: key256,
  },
  relayTimeoutMs: {
    env: 'RELAY_TIMEOUT_MS',
    description:
      'Multi-node mode: how long the owner node of a session may take to acknowledge a relayed request before the answer is 503 (the owner is gone or stuck)',
    default: 2000,
    parse: int(100, 60000),
  },
  drainTimeoutS: {
    env: 'DRAIN_TIMEOUT_S',
    description: 'On SIGTERM/SIGINT: how long the node may take to end its sessions and exit (after DRAIN_DELAY_S)',
    default: 15,
    parse: int(1, 3600),
  },
  drainDelayS: {
    env: 'DRAIN_DELAY_S',
    description:
      'On SIGTERM/SIGINT: how long /readyz answers 503 before the node stops taking requests (logins are refused meanwhile), so a load balancer deregisters it first',
    default: 0,
    parse: int(0, 3600),
  },
  iqTimeoutMs: {
    env: 'IQ_TIMEOUT_MS',
    description: 'How long an XMPP request may wait for its answer (then 504)',
    default: 15000,
    parse: int(100, 600000),
  },
  answerTimeoutMs: {
    env: 'ANSWER_TIMEOUT_MS',
    description:
      'How long an incoming request (RPC call, HTTP-auth check, …) waits for the client to answer before the gateway replies with an error',
    default: 30000,
    parse: int(100, 600000),
  },
  resumeDeadlineMs: {
    env: 'RESUME_DEADLINE_MS',
    description:
      'After the XMPP connection drops: how long the gateway tries to resume the session (XEP-0198) before it ends it; keep it under the server’s smacks_hibernation_time',
    default: 60000,
    parse: int(1000, 3600000),
  },
  resumeActionWaitMs: {
    env: 'RESUME_ACTION_WAIT_MS',
    description: 'While a session reconnects: how long an action waits for the resumption before it answers 503 with Retry-After',
    default: 4000,
    parse: int(0, 600000),
  },
  resumeMaxQueuedActions: {
    env: 'RESUME_MAX_QUEUED_ACTIONS',
    description: 'While a session reconnects: most actions waiting for the resumption; one more answers 503 at once',
    default: 100,
    parse: int(0, 100000),
  },
  smMaxUnacked: {
    env: 'SM_MAX_UNACKED',
    description:
      'Most stanzas a session may have sent that the XMPP server has not acknowledged (XEP-0198, kept to send again after a drop); past it the session ends',
    default: 500,
    parse: int(1, 100000),
  },
  smMaxUnackedBytes: {
    env: 'SM_MAX_UNACKED_BYTES',
    description: 'Most bytes of those unacknowledged stanzas per session; past it the session ends',
    default: 1048576,
    parse: int(1024, 1073741824),
  },
  mamMaxResults: {
    env: 'MAM_MAX_RESULTS',
    description: 'Most archived messages one mam/query answers (XEP-0313): a larger rsm.max is lowered to it, the rest comes page by page',
    default: 100,
    parse: int(1, 10000),
  },
  unknownStanzaMaxBytes: {
    env: 'WTF_MAX_BYTES',
    description: 'Largest stanza xmpp.wtf.push carries (unknown stanzas); a larger one is reported by xmpp.gateway.warning instead',
    default: 16384,
    parse: int(256, 1048576),
  },
  unknownStanzasPerMinute: {
    env: 'WTF_PER_MINUTE',
    description: 'Unknown stanzas pushed per session and minute (xmpp.wtf.push, bursts up to the same number); 0: none',
    default: 60,
    parse: int(0, 100000),
  },
  avatarMaxBytes: {
    env: 'AVATAR_MAX_BYTES',
    description:
      'Largest image avatar/upload publishes (XEP-0084), decoded; larger is 413. Its base64 (4/3 the size) must fit BODY_LIMIT_BYTES',
    default: 131072,
    parse: int(1024, 16777216),
  },
  uploadMaxBytes: {
    env: 'UPLOAD_MAX_BYTES',
    description:
      'Largest file POST /v1/upload streams to an upload service (XEP-0363); larger is 413 before any byte goes upstream. The file is never held in memory',
    default: 104857600,
    parse: int(1, 1099511627776),
  },
  uploadAllowedHosts: {
    env: 'UPLOAD_ALLOWED_HOSTS',
    description:
      'Comma-separated hosts (host or host:port; no port: any) POST /v1/upload may PUT files to; * allows any. Empty: the hosts of XMPP_ALLOWED_HOSTS, any port',
    default: [] as string[],
    parse: list,
  },
  loginTimeoutMs: {
    env: 'LOGIN_TIMEOUT_MS',
    description: 'How long a login may take to connect, authenticate and bind',
    default: 20000,
    parse: int(100, 600000),
  },
  idleTimeoutS: {
    env: 'IDLE_TIMEOUT_S',
    description: 'A session with no request and no open event stream for this long is logged out',
    default: 300,
    parse: int(1, 604800),
  },
  csiIdleMs: {
    env: 'CSI_IDLE_MS',
    description:
      'A session with no open event stream, no working webhook and no request for this long is told to its server as inactive (XEP-0352), and active again when a stream opens; 0: never automatically',
    default: 60000,
    parse: int(0, 86400000),
  },
  eventBufferSize: { env: 'EVENT_BUFFER_SIZE', description: 'Events kept per session for replay', default: 1000, parse: int(1, 1000000) },
  eventBufferAgeS: {
    env: 'EVENT_BUFFER_AGE_S',
    description: 'How long events are kept for replay; also how long a dropped session answers 410',
    default: 300,
    parse: int(1, 86400),
  },
  heartbeatS: { env: 'SSE_HEARTBEAT_S', description: 'Interval of the SSE keep-alive comment', default: 15, parse: int(1, 3600) },
  maxBacklogBytes: {
    env: 'SSE_MAX_BACKLOG_BYTES',
    description: 'Unsent bytes a slow event stream may hold before it is closed (it resumes from its cursor)',
    default: 1048576,
    parse: int(1024, 1073741824),
  },
  ticketTtlS: { env: 'TICKET_TTL_S', description: 'Lifetime of an event-stream ticket', default: 60, parse: int(1, 86400) },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', description: 'Largest accepted request body', default: 262144, parse: int(1024, 67108864) },
  loginRatePerAddress: {
    env: 'LOGIN_RATE_PER_ADDRESS',
    description:
      'Login and account-creation attempts one client address may make per minute (then 429 with Retry-After, and nothing reaches the XMPP server); 0: no limit',
    default: 30,
    parse: int(0, 1000000),
  },
  loginFailuresPerAddress: {
    env: 'LOGIN_FAILURES_PER_ADDRESS',
    description: 'Failed logins and account creations one client address may make per 15 minutes (then 429); 0: no limit',
    default: 50,
    parse: int(0, 1000000),
  },
  loginFailuresPerJid: {
    env: 'LOGIN_FAILURES_PER_JID',
    description:
      'Failed logins (or account creations) per target per 15 minutes, from any address (then 429): the bare JID, or the domain for anonymous logins; 0: no limit',
    default: 10,
    parse: int(0, 1000000),
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    description:
      'Behind a reverse proxy: take the client address (for the login limits and logs) from X-Forwarded-For. true trusts every proxy, or a comma-separated list of proxy addresses/CIDRs; false: the TCP peer',
    default: false as boolean | string[],
    parse: (raw: string): boolean | string[] => (raw === 'true' || raw === 'false' ? raw === 'true' : list(raw)),
  },
  webhookAllowedHosts: {
    env: 'WEBHOOK_ALLOWED_HOSTS',
    description:
      'Comma-separated webhook targets: host (the scheme’s default port) or host:port, reached whatever their address; * allows any other host whose addresses are all public (never loopback, private or link-local); empty: webhooks off',
    default: [] as string[],
    parse: list,
  },
  outboundCaFile: {
    env: 'OUTBOUND_CA_FILE',
    description:
      'A PEM file of CA certificates trusted, besides Node’s own, for https: webhook receivers and push services (an internal receiver with a private CA); checked at start-up. Empty: Node’s CAs only',
    default: '',
    parse: caFile,
  },
  webhooksPerSession: { env: 'WEBHOOKS_PER_SESSION', description: 'Webhooks one session may register', default: 3, parse: int(1, 100) },
  webhookTimeoutMs: {
    env: 'WEBHOOK_TIMEOUT_MS',
    description: 'How long a webhook receiver may take to answer a delivery (then it counts as failed and is retried)',
    default: 10000,
    parse: int(100, 600000),
  },
  webhookAttempts: {
    env: 'WEBHOOK_ATTEMPTS',
    description:
      'Attempts of one webhook delivery before the webhook is marked failing (it tries the same events again after WEBHOOK_RETRY_MAX_MS)',
    default: 8,
    parse: int(1, 100),
  },
  webhookRetryBaseMs: {
    env: 'WEBHOOK_RETRY_BASE_MS',
    description: 'First pause between attempts of a webhook delivery; doubled after each failure, up to WEBHOOK_RETRY_MAX_MS',
    default: 1000,
    parse: int(10, 3600000),
  },
  webhookRetryMaxMs: {
    env: 'WEBHOOK_RETRY_MAX_MS',
    description: 'Longest pause between attempts of a webhook delivery, and the pause of a failing webhook before it tries again',
    default: 60000,
    parse: int(10, 86400000),
  },
  webhookBatchMax: { env: 'WEBHOOK_BATCH_MAX', description: 'Most events in one webhook delivery', default: 100, parse: int(1, 10000) },
  pushAllowedHosts: {
    env: 'PUSH_ALLOWED_HOSTS',
    description:
      'Comma-separated Web Push services a push subscription’s endpoint may name: host or host:port (https, port 443 when omitted), *.domain (any host under it, public addresses only) or * (any host whose addresses are all public); http: only for a host listed by name. Empty: Web Push off',
    default: ['fcm.googleapis.com', 'updates.push.services.mozilla.com', 'web.push.apple.com', '*.notify.windows.com'],
    parse: list,
  },
  pushVapidPublicKey: {
    env: 'PUSH_VAPID_PUBLIC_KEY',
    description:
      'The VAPID public key (RFC 8292): base64url of the uncompressed P-256 point, as `npx web-push generate-vapid-keys` prints it; the browser’s applicationServerKey. Empty: Web Push off',
    default: '',
    parse: vapidKey(65, 'an uncompressed P-256 public key (65 bytes)'),
  },
  pushVapidPrivateKey: {
    env: 'PUSH_VAPID_PRIVATE_KEY',
    description: 'The VAPID private key: base64url of the 32-byte P-256 private scalar (never logged)',
    default: '',
    parse: vapidKey(32, 'a P-256 private key (32 bytes)'),
  },
  pushVapidSubject: {
    env: 'PUSH_VAPID_SUBJECT',
    description: 'The VAPID `sub` claim: a mailto: or https: URL where push services can reach the operator',
    default: '',
    parse: vapidSubject,
  },
  pushPerSession: {
    env: 'PUSH_SUBSCRIPTIONS_PER_SESSION',
    description: 'Web Push subscriptions one session may register',
    default: 3,
    parse: int(1, 100),
  },
  pushTimeoutMs: {
    env: 'PUSH_TIMEOUT_MS',
    description: 'How long a push service may take to answer one push (then it counts as failed and is retried)',
    default: 10000,
    parse: int(100, 600000),
  },
  pushAttempts: {
    env: 'PUSH_ATTEMPTS',
    description: 'Attempts of one push (after a 429, a 5xx, a timeout or a connection error) before it is given up',
    default: 3,
    parse: int(1, 20),
  },
  pushRetryMs: {
    env: 'PUSH_RETRY_MS',
    description: 'Pause before the second attempt of a push; doubled after each further failure',
    default: 1000,
    parse: int(10, 600000),
  },
  pushTtlS: {
    env: 'PUSH_TTL_S',
    description: 'How long the push service keeps a push for a browser that is offline (the TTL header, RFC 8030 §5.2)',
    default: 3600,
    parse: int(0, 2419200),
  },
  sessionMaxLifetimeS: {
    env: 'SESSION_MAX_LIFETIME_S',
    description:
      'A session older than this is logged out, however attended (open stream, working webhook or push subscription); 0: no limit',
    default: 0,
    parse: int(0, 31536000),
  },
  maxSessions: { env: 'MAX_SESSIONS', description: 'Sessions this node accepts at once', default: 20000, parse: int(1, 10000000) },
  corsOrigins: {
    env: 'CORS_ORIGINS',
    description: 'Comma-separated origins allowed by CORS (empty: CORS off)',
    default: [] as string[],
    parse: list,
  },
  demoPage: {
    env: 'DEMO_PAGE',
    description: 'Serve the browser demo client at /demo (plain HTML and JavaScript using fetch and EventSource)',
    default: true,
    parse: bool,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent',
    default: 'info',
    parse: oneOf(LOG_LEVELS),
  },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: Settings[K]['default'] };

/** The three VAPID settings go together, and the public key must be the private key's (RFC 8292 §3.2). */
function vapidProblems(out: Record<string, unknown>): string[] {
  const [pub, priv, sub] = [out.pushVapidPublicKey, out.pushVapidPrivateKey, out.pushVapidSubject];
  const set = [pub, priv, sub].filter((v) => v !== '').length;
  if (set === 0) return [];
  if (set < 3) return ['PUSH_VAPID_PUBLIC_KEY, PUSH_VAPID_PRIVATE_KEY and PUSH_VAPID_SUBJECT: set all three, or none (Web Push off)'];
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(Buffer.from(String(priv), 'base64url'));
  } catch {
    return ['PUSH_VAPID_PRIVATE_KEY: not a valid P-256 private key'];
  }
  if (!ecdh.getPublicKey().equals(Buffer.from(String(pub), 'base64url'))) {
    return ['PUSH_VAPID_PUBLIC_KEY: is not the public key of PUSH_VAPID_PRIVATE_KEY'];
  }
  return [];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  // Each setting's parse() returns its own default's type; they are read here as one list, so the types are widened.
  for (const [key, s] of Object.entries(settings) as Array<[string, Setting<unknown>]>) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      out[key] = s.default;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (err) {
      problems.push(`${s.env}: ${messageOf(err)}`);
    }
  }
  if (problems.length === 0) problems.push(...vapidProblems(out));
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  // `out` has one parsed value (or the default) for every key of `settings`: exactly a Config.
  return { ...(out as Config), ...overrides };
}

/** Every setting as the docs show it: variable, default (as text) and meaning, in declaration order. */
export function settingsTable(): Array<{ env: string; default: string; description: string }> {
  return Object.values(settings as Record<string, Setting<unknown>>).map((s) => ({
    env: s.env,
    default: s.shown ?? shownDefault(s.default),
    description: s.description,
  }));
}

function shownDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.join(',');
  if (value === '') return '(empty)';
  return String(value);
}

export function helpText(): string {
  // Widened as in loadConfig: only env, description and default are read.
  const rows = Object.values(settings as Record<string, Setting<unknown>>).map(
    (s) => `  ${s.env.padEnd(22)} ${s.description} (default: ${JSON.stringify(s.default)})`,
  );
  return `xmpp-ftw-gateway: XMPP over HTTP (REST + Server-Sent Events)\n\nUsage: xmpp-ftw-gateway [--help]\n\nEnvironment:\n${rows.join('\n')}\n`;
}

/** Is a connection to host:port allowed? Entries are host or host:port ([v6]:port for IPv6). */
export function isHostAllowed(allowed: readonly string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((entry) => {
    if (entry === '*') return true;
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry.toLowerCase());
    if (!m) return false;
    const [, eh, ep] = m;
    // A bare IPv6 literal has colons: treat the whole entry as the host.
    if (entry.split(':').length > 2 && !entry.startsWith('[')) return entry.toLowerCase() === h && port === 5222;
    return eh === h && (ep === undefined ? port === 5222 : Number(ep) === port);
  });
}

/** The hosts POST /v1/upload may PUT to: UPLOAD_ALLOWED_HOSTS, else the hosts of XMPP_ALLOWED_HOSTS (ports dropped). */
export function uploadHosts(config: Pick<Config, 'uploadAllowedHosts' | 'allowedHosts'>): string[] {
  if (config.uploadAllowedHosts.length > 0) return [...config.uploadAllowedHosts];
  return config.allowedHosts.map((entry) => {
    if (entry === '*') return entry;
    const bracketed = /^\[([^\]]+)\]/.exec(entry);
    if (bracketed) return bracketed[1]!;
    // A bare IPv6 literal has colons and no port.
    return entry.split(':').length > 2 ? entry : entry.split(':')[0]!;
  });
}

/** May POST /v1/upload PUT to host:port? An entry without a port allows any port. */
export function isUploadHostAllowed(allowed: readonly string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    if (e === '*') return true;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
    if (bracketed) return bracketed[1] === h && (bracketed[2] === undefined || Number(bracketed[2]) === port);
    if (e.split(':').length > 2) return e === h;
    const [eh, ep] = e.split(':');
    return eh === h && (ep === undefined || Number(ep) === port);
  });
}
