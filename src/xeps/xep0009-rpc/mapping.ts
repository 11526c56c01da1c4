// XEP-0009 Jabber-RPC: XML-RPC's methodCall / methodResponse inside query[jabber:iq:rpc], declared
// once for both directions. XML-RPC elements carry no namespace of their own: they inherit the query's.
import type { Element } from 'ltx';
import { appendChild, child, childText, define, type Field } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';
import { MAX_DEPTH, MAX_PARAMS } from './schema.js';

export interface RpcParam {
  type: string;
  value: string | number | boolean | RpcParam[];
  name?: string;
}

export interface RpcFault {
  code?: number;
  string?: string;
}

/** A client's param that cannot be sent; the message is XMPP-FTW's. */
export class RpcParamError extends Error {}

/** A remote entity's XML-RPC that does not parse (a number that is not one, a value without a type…). */
export class RpcParseError extends Error {}

// ---------------------------------------------------------------------------------------------
// Checking what a client sends: XMPP-FTW's messages, and falsy values (false, 0, '') that
// XMPP-FTW refused are legal values here.

const TYPE_MISSING = "'param' must have 'type' key";
const VALUE_MISSING = "'param' must have 'value' key";
const BAD_FORMAT = 'Parameter formatting error';

const INTEGER = /^\s*[+-]?\d+\s*$/;
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
const DATETIME = /^\d{4}-?\d{2}-?\d{2}T\d{2}:?\d{2}:?\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkValue(type: string, value: unknown, depth: number, budget: { left: number }): RpcParam['value'] {
  switch (type) {
    case 'boolean':
      if (value === true || value === 1 || value === '1' || value === 'true') return true;
      if (value === false || value === 0 || value === '0' || value === 'false') return false;
      break;
    case 'int':
    case 'i4': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value) ? Number(value) : NaN;
      // XML-RPC integers are four-byte signed.
      if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return n;
      break;
    }
    case 'double': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value) ? Number(value) : NaN;
      if (Number.isFinite(n)) return n;
      break;
    }
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      break;
    case 'base64':
      if (typeof value === 'string' && BASE64.test(value)) return value;
      break;
    case 'dateTime.iso8601':
      if (typeof value === 'string' && DATETIME.test(value)) return value;
      break;
    case 'array':
      if (Array.isArray(value)) return value.map((v) => checkParam(v, depth + 1, budget, false));
      break;
    case 'struct':
      if (Array.isArray(value)) return value.map((v) => checkParam(v, depth + 1, budget, true));
      break;
  }
  throw new RpcParamError(BAD_FORMAT);
}

function checkParam(input: unknown, depth: number, budget: { left: number }, member: boolean): RpcParam {
  budget.left -= 1;
  if (budget.left < 0 || depth > MAX_DEPTH || !isRecord(input)) throw new RpcParamError(BAD_FORMAT);
  const { type, value, name, ...rest } = input;
  if (type === undefined || type === null || type === '') throw new RpcParamError(TYPE_MISSING);
  if (value === undefined || value === null) throw new RpcParamError(VALUE_MISSING);
  if (typeof type !== 'string' || Object.keys(rest).length > 0) throw new RpcParamError(BAD_FORMAT);
  if (name !== undefined && typeof name !== 'string') throw new RpcParamError(BAD_FORMAT);
  if (member && (name === undefined || name === '')) throw new RpcParamError(BAD_FORMAT);
  const checked: RpcParam = { type, value: checkValue(type, value, depth, budget) };
  // A name means something only on a struct member.
  if (member) checked.name = name as string;
  return checked;
}

/** The client's params, checked and normalised; throws RpcParamError with XMPP-FTW's message. */
export function checkParams(params: readonly unknown[]): RpcParam[] {
  const budget = { left: MAX_PARAMS };
  return params.map((p) => checkParam(p, 0, budget, false));
}

// ---------------------------------------------------------------------------------------------
// <value> ⇄ param

/** XML-RPC doubles have no exponent: 1e21 is written out in full, 1.5e-7 as 0.00000015 (same digits). */
export function formatDouble(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1) return s;
  const sign = s.startsWith('-') ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const digits = mantissa.replace('.', '');
  const dot = mantissa.indexOf('.');
  const point = (dot === -1 ? mantissa.length : dot) + Number(s.slice(e + 1));
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function writeValue(parent: Element, param: RpcParam): void {
  const typed = appendChild(appendChild(parent, 'value'), param.type);
  const { value } = param;
  if (Array.isArray(value)) {
    if (param.type === 'array') {
      const data = appendChild(typed, 'data');
      for (const v of value) writeValue(data, v);
    } else {
      for (const m of value) {
        const member = appendChild(typed, 'member');
        appendChild(member, 'name').t(m.name ?? '');
        writeValue(member, m);
      }
    }
  } else if (typeof value === 'boolean') typed.t(value ? '1' : '0');
  else if (typeof value === 'number') typed.t(param.type === 'double' ? formatDouble(value) : String(value));
  else typed.t(value);
}

function readNumber(text: string, pattern: RegExp): number {
  if (!pattern.test(text)) throw new RpcParseError(`'${text}' is not a number`);
  return Number(text);
}

function readValue(value: Element | undefined, depth: number): RpcParam {
  if (!value) throw new RpcParseError('A param without a <value/>');
  if (depth > MAX_DEPTH) throw new RpcParseError('Values nested too deep');
  const typed = value.getChildElements()[0];
  // XML-RPC: a value without a type element is a string.
  if (!typed) return { type: 'string', value: value.getText() };
  const text = typed.getText();
  switch (typed.name) {
    case 'i4':
    case 'int':
      return { type: typed.name, value: readNumber(text, INTEGER) };
    case 'double':
      return { type: 'double', value: readNumber(text, DECIMAL) };
    case 'boolean': {
      const t = text.trim();
      if (t === '1' || t === 'true') return { type: 'boolean', value: true };
      if (t === '0' || t === 'false') return { type: 'boolean', value: false };
      throw new RpcParseError(`'${text}' is not a boolean`);
    }
    case 'array':
      return { type: 'array', value: (typed.getChild('data')?.getChildren('value') ?? []).map((v) => readValue(v, depth + 1)) };
    case 'struct':
      return {
        type: 'struct',
        value: typed
          .getChildren('member')
          .map((m) => ({ ...readValue(m.getChild('value'), depth + 1), name: m.getChildText('name') ?? '' })),
      };
    default:
      // string, base64, dateTime.iso8601, and extension types (nil, i8…) as their text.
      return { type: typed.name, value: text };
  }
}

/** <params><param><value>…</value></param>*</params>. Reading throws RpcParseError on malformed values. */
const params: Field<RpcParam[]> = {
  read: (el) =>
    el
      .getChild('params')
      ?.getChildren('param')
      .map((p) => readValue(p.getChild('value'), 0)),
  write: (el, list) => {
    const ps = appendChild(el, 'params');
    for (const p of list) writeValue(appendChild(ps, 'param'), p);
  },
};

/** <fault><value><struct> faultCode + faultString </struct></value></fault>. */
const fault: Field<RpcFault> = {
  read: (el) => {
    const f = el.getChild('fault');
    if (!f) return undefined;
    const v = readValue(f.getChild('value'), 0);
    const out: RpcFault = {};
    for (const m of Array.isArray(v.value) ? v.value : []) {
      if (m.name === 'faultCode' && typeof m.value === 'number') out.code = m.value;
      if (m.name === 'faultString' && typeof m.value === 'string') out.string = m.value;
    }
    return out;
  },
  write: (el, value) => {
    const members: RpcParam[] = [
      { name: 'faultCode', type: 'int', value: value.code ?? 0 },
      { name: 'faultString', type: 'string', value: value.string ?? '' },
    ];
    writeValue(appendChild(el, 'fault'), { type: 'struct', value: members });
  },
};

export interface MethodCall {
  method: string;
  params?: RpcParam[];
}

export interface MethodResponse {
  params?: RpcParam[];
  fault?: RpcFault;
}

const methodName: Field<string> = { read: (el) => el.getChildText('methodName')?.trim(), write: childText('methodName').write };

export const methodCall = define<MethodCall>('methodCall', undefined, { method: methodName, params });
export const methodResponse = define<MethodResponse>('methodResponse', undefined, { params, fault });

export const rpcQuery = define<{ call?: MethodCall; response?: MethodResponse }>('query', NS.rpc, {
  call: child(methodCall),
  response: child(methodResponse),
});

/** The methodCall of a request; undefined when there is none or it has no method name. Throws RpcParseError. */
export function parseCall(stanza: Element): MethodCall | undefined {
  const query = stanza.getChild('query', NS.rpc);
  const call = query && rpcQuery.parse(query).call;
  return call?.method ? call : undefined;
}
