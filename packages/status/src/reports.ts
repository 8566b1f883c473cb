// User problem reports: validation, the anonymous reporter identity and the form's anti-forgery token.
//
// A reporter is a source: an IPv4 address, or an IPv6 /64 (what one subscriber is usually given).
// Anything a client controls (a cookie, a header) would let one client be as many reporters as it
// likes, and one source must never be able to make an outage alone: each counts once an hour, so a
// spike the detector believes (five reports and more in a few minutes) takes as many sources. The
// source is kept only as a salted hash.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { badRequest } from './errors.js';
import { PROBLEM_TYPES, type ProblemType } from './detector.js';

export const MAX_REPORT_TEXT = 280;

export interface ReportInput {
  problem: ProblemType;
  text: string | null;
}

const ALLOWED_FIELDS = new Set(['problem', 'text', 'form_token']);

export function parseReport(body: unknown): ReportInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('expected an object with "problem" and optional "text"');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !ALLOWED_FIELDS.has(k));
  if (unknown.length) throw badRequest(`unknown field: ${unknown[0]!.slice(0, 40)}`);
  const problem = fields.problem;
  if (typeof problem !== 'string' || !(PROBLEM_TYPES as readonly string[]).includes(problem)) {
    throw badRequest(`"problem" must be one of: ${PROBLEM_TYPES.join(', ')}`);
  }
  let text: string | null = null;
  if (fields.text !== undefined && fields.text !== null) {
    if (typeof fields.text !== 'string') throw badRequest('"text" must be a string');
    // Control characters have no place in a short note; newlines become spaces.
    const cleaned = fields.text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '').trim();
    if ([...cleaned].length > MAX_REPORT_TEXT) throw badRequest(`"text" must be at most ${MAX_REPORT_TEXT} characters`);
    text = cleaned || null;
  }
  return { problem: problem as ProblemType, text };
}

/** The source a report comes from: the IPv4 address (also when mapped into IPv6), or the IPv6 /64. */
export function reportSource(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function reporterHash(salt: string, address: string): string {
  return createHash('sha256').update(`${salt}\0reporter\0${reportSource(address)}`).digest('base64url');
}

/**
 * The HTML form's anti-forgery token (double submit): a random value in a SameSite=Strict cookie and
 * in the form. A page elsewhere can make a visitor's browser post the form, but not with our cookie,
 * and it cannot read the token out of our page: without this, every visitor of a hostile page would
 * be a distinct reporter in a fake outage.
 */
export const FORM_COOKIE = 'fb_report_form';
export const newFormToken = () => randomBytes(18).toString('base64url');

export function formTokenMatches(cookie: string | undefined, field: unknown): boolean {
  if (!cookie || typeof field !== 'string' || cookie.length !== field.length) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(field));
}
