// THE registry: one line per XEP area. Adding a XEP = a folder under src/xeps/ and a line here.
import type { ActionDef, XepModule } from './types.js';
import { disco } from './xep0030-disco/index.js';
import { commands } from './xep0050-commands/index.js';
import { search } from './xep0055-search/index.js';
import { register } from './xep0077-register/index.js';
import { rpc } from './xep0009-rpc/index.js';
import { httpAuth } from './xep0070-http-auth/index.js';
import { muc } from './xep0045-muc/index.js';
import { ping } from './xep0199-ping/index.js';
import { carbons } from './xep0280-carbons/index.js';
import { chat } from './core-chat/index.js';
import { presence } from './core-presence/index.js';
import { roster } from './core-roster/index.js';

export const registry: readonly XepModule[] = [
  disco,
  commands,
  search,
  register,
  rpc,
  httpAuth,
  ping,
  carbons,
  muc,
  roster,
  presence,
  chat,
];

export function actionIndex(modules: readonly XepModule[] = registry): Map<string, ActionDef> {
  const index = new Map<string, ActionDef>();
  for (const mod of modules) {
    for (const a of mod.actions ?? []) {
      if (index.has(a.name)) throw new Error(`Action ${a.name} is declared twice`);
      index.set(a.name, a);
    }
  }
  return index;
}

/** The disco#info features of the gateway's own caps: every area's contribution. */
export function gatewayFeatures(modules: readonly XepModule[] = registry): string[] {
  return [...new Set(modules.flatMap((m) => m.features ?? []))].sort();
}
