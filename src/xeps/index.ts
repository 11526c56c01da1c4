// THE registry: one line per area. Adding an area = a folder under src/xeps/ and a line here; the
// order of the lines means nothing (where two areas claim one incoming stanza, their handlers
// declare which goes first: IncomingDef.priority).
import type { ActionSpec, Area, AreaApi, SessionlessSpec } from './area.js';
import chat from './core-chat/index.js';
import presence from './core-presence/index.js';
import roster from './core-roster/index.js';
import rpc from './xep0009-rpc/index.js';
import disco from './xep0030-disco/index.js';
import muc from './xep0045-muc/index.js';
import commands from './xep0050-commands/index.js';
import jingle from './xep0166-jingle/index.js';
import search from './xep0055-search/index.js';
import pubsub from './xep0060-pubsub/index.js';
import httpAuth from './xep0070-http-auth/index.js';
import register from './xep0077-register/index.js';
import ping from './xep0199-ping/index.js';
import carbons from './xep0280-carbons/index.js';
import mam from './xep0313-mam/index.js';
import pubsubOwner from './xep0060-pubsub-owner/index.js';
import avatar from './xep0084-avatar/index.js';
import vcard from './xep0054-vcard/index.js';
import wtf from './wtf/index.js';
import buddycloud from './buddycloud/index.js';
import superfeedr from './superfeedr/index.js';
import fanout from './fanout/index.js';
import blocking from './xep0191-blocking/index.js';
import csi from './xep0352-csi/index.js';
import bookmarks from './xep0402-bookmarks/index.js';
import upload from './xep0363-upload/index.js';

export const registry: readonly Area[] = [
  chat,
  presence,
  roster,
  rpc,
  disco,
  muc,
  commands,
  search,
  pubsub,
  httpAuth,
  register,
  ping,
  carbons,
  mam,
  jingle,
  pubsubOwner,
  avatar,
  vcard,
  wtf,
  buddycloud,
  superfeedr,
  fanout,
  blocking,
  csi,
  bookmarks,
  upload,
];

export interface DeclaredAction {
  area: AreaApi;
  name: string;
  spec: ActionSpec;
  /** Set for actions that need no session (they carry their own connection target). */
  sessionless?: SessionlessSpec;
}

/** Every action of every area by name (session actions and sessionless ones share one namespace: one URL each). */
export function declaredActions(areas: readonly Area[] = registry): Map<string, DeclaredAction> {
  const index = new Map<string, DeclaredAction>();
  const add = (entry: DeclaredAction) => {
    const other = index.get(entry.name);
    if (other) throw new Error(`Action ${entry.name} is declared by ${other.area.id} and ${entry.area.id}`);
    index.set(entry.name, entry);
  };
  for (const { api } of areas) {
    for (const [name, spec] of Object.entries(api.actions)) add({ area: api, name, spec });
    for (const [name, spec] of Object.entries(api.sessionless ?? {})) add({ area: api, name, spec, sessionless: spec });
  }
  return index;
}

/** The disco#info features of the gateway's own caps: every area's contribution. */
export function gatewayFeatures(areas: readonly Area[] = registry): string[] {
  return [...new Set(areas.flatMap((a) => a.api.features ?? []))].sort();
}

/** Areas sorted by id: wherever the registry is listed (OpenAPI, docs), its order must not show. */
export function byId(areas: readonly Area[] = registry): Area[] {
  return [...areas].sort((a, b) => (a.api.id < b.api.id ? -1 : a.api.id > b.api.id ? 1 : 0));
}
