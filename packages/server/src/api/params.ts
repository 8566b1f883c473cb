// Small, strict readers for Mastodon request parameters, which arrive as JSON, forms or query strings
// (so booleans may be "true"/"1" and arrays may be `key[]`).
import type { FastifyRequest } from 'fastify';
import { badRequest, notFound, unprocessable } from '../errors.js';

export type Params = Record<string, unknown>;

export function bodyOf(body: unknown): Params {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be an object');
  return body as Params;
}

export function str(p: Params, name: string, max: number): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw unprocessable(`${name} must be a string`);
  if (v.length > max) throw unprocessable(`${name} is too long (maximum is ${max} characters)`);
  // PostgreSQL text cannot hold NUL; refused here with the parameter's name rather than by the database.
  if (v.includes('\u0000')) throw unprocessable(`${name} must not contain NUL characters`);
  return v;
}

export function flag(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 'true' || v === '1' || v === 1 || v === 'on') return true;
  if (v === false || v === 'false' || v === '0' || v === 0 || v === 'off') return false;
  throw unprocessable(`${name} must be a boolean`);
}

const MAX_ID = 2n ** 63n - 1n;

/** Whether `value` can be an id (a bigint in decimal). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_ID;
}

/**
 * The one reading of an id, wherever it comes from (the path, the body, a cursor in the query): an id
 * that cannot exist is answered as one that does not, 404, as Mastodon does. JSON clients may send
 * ids as numbers.
 */
export function idParam(value: unknown): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (!isId(text)) throw notFound();
  return text;
}

/** An optional id parameter: absent or empty is null; anything else must be an id (idParam). */
export function optionalIdParam(p: Params, name: string): string | null {
  const v = p[name];
  return v === undefined || v === null || v === '' ? null : idParam(v);
}

/** Mastodon accepts both `id[]=1&id[]=2` and `id=1`; returns the values as strings. */
export function list(p: Params, name: string, maxItems: number): string[] {
  const v = p[`${name}[]`] ?? p[name];
  if (v === undefined) return [];
  const items = (Array.isArray(v) ? v : [v]).map(String);
  if (items.length > maxItems) throw unprocessable(`${name} accepts at most ${maxItems} values`);
  return items;
}

const isObject = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rails' nested attributes (`keywords_attributes`): a JSON array of objects, or an object keyed by
 * index (`{"0": {...}}`), or form fields `name[][field]` (taken in order) or `name[0][field]`.
 */
export function attributesList(p: Params, name: string, maxItems: number): Params[] {
  let items: Params[];
  const v = p[name];
  if (v !== undefined && v !== null) {
    const values = Array.isArray(v) ? v : isObject(v) ? Object.keys(v).sort((a, b) => Number(a) - Number(b)).map((k) => v[k]) : null;
    if (!values || !values.every(isObject)) throw unprocessable(`${name} must be a list of objects`);
    items = values;
  } else {
    const byIndex = new Map<string, Params>();
    const inOrder: Params[] = [];
    for (const [key, value] of Object.entries(p)) {
      const m = new RegExp(`^${name}\\[(\\d*)\\]\\[(\\w+)\\]$`).exec(key);
      if (!m) continue;
      if (m[1] === '') (Array.isArray(value) ? value : [value]).forEach((x, i) => { (inOrder[i] ??= {})[m[2]!] = x; });
      else { const item = byIndex.get(m[1]!) ?? {}; item[m[2]!] = value; byIndex.set(m[1]!, item); }
    }
    items = [...inOrder, ...[...byIndex.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, item]) => item)];
  }
  if (items.length > maxItems) throw unprocessable(`${name} accepts at most ${maxItems} entries`);
  return items;
}

/** `source[privacy]` as JSON (`{"source": {"privacy": ...}}`) or as a form field (`source[privacy]=...`). */
export function nested(p: Params, parent: string, name: string): unknown {
  const inner = p[parent];
  return isObject(inner) ? inner[name] : p[`${parent}[${name}]`];
}

/**
 * A Mastodon parameter Firebreak does not implement is refused (422) when it asks for anything but
 * what Firebreak does anyway (`accepted`), never silently dropped.
 */
export function refuseUnsupported(name: string, value: unknown, accepted: (v: unknown) => boolean, what: string): void {
  if (value === undefined || value === null || accepted(value)) return;
  throw unprocessable(`Validation failed: ${what} ${what.endsWith('s') ? 'are' : 'is'} not supported (${name})`);
}

/** Empty values a client sends for a parameter it does not use: '', [], {}, false, "false", "0". */
export const isEmptyValue = (v: unknown): boolean =>
  v === '' || v === false || v === 'false' || v === '0' || v === 0
  || (Array.isArray(v) && v.every(isEmptyValue)) || (isObject(v) && Object.values(v).every(isEmptyValue));

/** A hashtag's name, as it may appear in a URL or a stream name. */
export const HASHTAG = /^[\p{L}\p{N}_]{1,100}$/u;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The Idempotency-Key header (DESIGN §2 rule 3), or null when the client sent none. */
export function idempotencyKey(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY.test(raw)) throw unprocessable('Idempotency-Key must be 1 to 200 printable ASCII characters');
  return raw;
}
