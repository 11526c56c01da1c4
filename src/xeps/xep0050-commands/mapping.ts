// XEP-0050 <command/> requests and results, declared once; command lists reuse the disco mapping.
import type { Static } from '@sinclair/typebox';
import { createElement, type Element } from 'ltx';
import type { Form, FormInput } from '../../schemas/forms.js';
import type { Oob } from '../../schemas/oob.js';
import { bareJid, jidFromWire } from '../../xmpp/jid.js';
import { attr, child, define, readOnly, text, writeOnly, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { buildForm, findForm, parseForm } from '../../xmpp/shared/forms.js';
import { parseOob } from '../../xmpp/shared/oob.js';
import type { DiscoItem } from '../xep0030-disco/schema.js';
import type { CommandDoResult, CommandListEvent, CommandListResult } from './schema.js';

const NS_COMMANDS = NS.commands;

/** A submitted data form; ad-hoc commands carry no FORM_TYPE of their own. */
const submittedForm: Field<FormInput> = {
  read: () => undefined,
  write: (el, fields) => {
    el.cnode(buildForm(fields));
  },
};

export interface CommandRequest {
  node: string;
  action: string;
  sessionId?: string;
  form?: FormInput;
}

export const commandRequest = define<CommandRequest>('command', NS_COMMANDS, {
  node: attr('node'),
  action: attr('action'),
  sessionId: attr('sessionid'),
  form: writeOnly(submittedForm),
});

export interface CommandActions {
  execute?: string;
  values: string[];
}

/** The allowed actions are the names of the children of <actions/>. */
const actionNames: Field<string[]> = {
  read: (el) => el.getChildElements().map((c) => c.name),
  write: (el, names) => {
    for (const n of names) el.cnode(createElement(n));
  },
};
const actions = define<CommandActions>('actions', NS_COMMANDS, { execute: attr('execute'), values: actionNames });

export interface CommandNote {
  type: string;
  description: string;
}
const note = define<{ type?: string; description?: string }>('note', NS_COMMANDS, { type: attr('type'), description: text() });

const notes: Field<CommandNote[]> = {
  // XEP-0050 §4.3: a note without 'type' is informational.
  read: (el) => {
    const list = el.getChildren('note', NS_COMMANDS).map((n) => {
      const { type, description } = note.parse(n);
      return { type: type ?? 'info', description: description ?? '' };
    });
    return list.length > 0 ? list : undefined;
  },
  write: (el, list) => {
    for (const n of list) el.cnode(note.build(n));
  },
};

const resultForm: Field<Form> = {
  read: (el) => {
    const x = findForm(el);
    return x ? parseForm(x) : undefined;
  },
  write: () => undefined,
};

const oob: Field<Oob> = { read: (el) => parseOob(el), write: () => undefined };

interface CommandResultElement {
  status?: string;
  sessionId?: string;
  notes?: CommandNote[];
  actions?: CommandActions;
  form?: Form;
  oob?: Oob;
}

const commandResult = define<CommandResultElement>('command', NS_COMMANDS, {
  status: attr('status'),
  sessionId: attr('sessionid'),
  notes,
  actions: child(actions),
  form: readOnly(resultForm),
  oob: readOnly(oob),
});

/** XMPP-FTW's result: one `note` (the first); `notes` as well only when the responder sent several. */
export function parseCommandResult(command: Element): CommandDoResult {
  const { status, sessionId, notes: all, actions: allowed, form, oob: link } = commandResult.parse(command);
  return {
    ...(status !== undefined && { status }),
    ...(sessionId !== undefined && { sessionId }),
    ...(all && { note: all[0] }),
    ...(all && all.length > 1 && { notes: all }),
    ...(allowed && { actions: allowed }),
    ...(form && { form }),
    ...(link && { oob: link }),
  };
}

/**
 * XEP-0050 §5 (Security): a command node whose JID is not the responder's is suspicious and ignored.
 * A bare JID stands for any of its resources.
 */
export function namesResponder(itemJid: string | undefined, responder: string): boolean {
  if (itemJid === undefined) return true;
  const a = itemJid.toLowerCase();
  const b = responder.toLowerCase();
  if (a === b) return true;
  return bareJid(a) === bareJid(b) && (!a.includes('/') || !b.includes('/'));
}

type CommandListEntry = Extract<Static<typeof CommandListResult>, unknown[]>[number];

export function commandEntries(items: Static<typeof DiscoItem>[], responder: string): CommandListEntry[] {
  return items
    .filter((i) => namesResponder(i.jid, responder))
    .map(({ node, name }) => ({ ...(node !== undefined && { node }), ...(name !== undefined && { name }) }));
}

export function announcedCommands(items: Static<typeof DiscoItem>[], from: string): Static<typeof CommandListEvent> {
  const sender = jidFromWire(from)!;
  return commandEntries(items, from).map((entry) => ({ ...entry, from: sender }));
}
