// User problem reports: validation and the anonymous reporter identity. A reporter is a salted hash
// of the address and a random cookie, so one person counts once per hour without us storing either.
import { createHash, randomBytes } from 'node:crypto';
import { badRequest } from './errors.js';
import { PROBLEM_TYPES, type ProblemType } from './detector.js';

export const MAX_REPORT_TEXT = 280;
export const REPORTER_COOKIE = 'fb_reporter';
const COOKIE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface ReportInput {
  problem: ProblemType;
  text: string | null;
}

const ALLOWED_FIELDS = new Set(['problem', 'text']);

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

export const newReporterCookie = () => randomBytes(16).toString('base64url');
export const validReporterCookie = (value: string | undefined): value is string => !!value && COOKIE_PATTERN.test(value);

export function reporterHash(salt: string, address: string, cookie: string): string {
  return createHash('sha256').update(`${salt}\0reporter\0${address}\0${cookie}`).digest('base64url');
}

export function addressHash(salt: string, address: string): string {
  return createHash('sha256').update(`${salt}\0address\0${address}`).digest('base64url');
}
