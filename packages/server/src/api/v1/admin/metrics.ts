// POST /api/v1/admin/measures, /dimensions, /retention (View Dashboard): the dashboard's numbers,
// counted from the data (domain/admin-metrics.ts). Ranges are limited so a request stays cheap.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { unprocessable } from '../../../errors.js';
import { dimension, DIMENSIONS, measure, MEASURES, retention, type DimensionKey, type MeasureKey } from '../../../domain/admin-metrics.js';
import { rule } from '../../auth.js';
import { bodyOf, idParam, list, type Params } from '../../params.js';
import { dateParam } from './params.js';

const MAX_DAYS = 400;
const MAX_DAILY_COHORTS = 62;

function range(body: Params, required = true): { start: Date; end: Date } {
  if (!required && body.start_at === undefined && body.end_at === undefined) {
    const end = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    return { start: new Date(end.getTime() - 29 * 86_400_000), end };
  }
  const start = dateParam(body, 'start_at');
  const end = dateParam(body, 'end_at');
  if (end < start) throw unprocessable('end_at must not be before start_at');
  if ((end.getTime() - start.getTime()) / 86_400_000 >= MAX_DAYS) throw unprocessable(`The range may span at most ${MAX_DAYS} days`);
  return { start, end };
}

/** `keys[]` checked against what Firebreak knows: an unknown key is refused, not silently dropped. */
function keys<K extends string>(body: Params, known: readonly K[]): K[] {
  const asked = [...new Set(list(body, 'keys', 20))];
  if (asked.length === 0) throw unprocessable('keys must name at least one key');
  const unknown = asked.filter((k) => !(known as readonly string[]).includes(k));
  if (unknown.length) throw unprocessable(`Unknown key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  return asked as K[];
}

/** `tag_uses[id]`, `tag_languages[id]`... as forms and JSON send them. */
function nested(body: Params, key: string, field: string): string | undefined {
  const flat = body[`${key}[${field}]`];
  const obj = body[key];
  const value = flat ?? (obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Params)[field] : undefined);
  return value === undefined || value === null ? undefined : String(value);
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
const humanLanguage = (code: string) => { try { return code === 'und' ? 'und' : languageNames.of(code) ?? code; } catch { return code; } };
const HUMAN: Record<string, string> = { postgresql: 'PostgreSQL', firebreak: 'Firebreak', nodejs: 'Node.js' };

function humanBytes(bytes: number): string {
  const units = ['Bytes', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export default async function adminMetrics(app: FastifyInstance, ctx: AppContext) {
  const dashboard = rule('user', 'admin:read', 'view_dashboard');

  app.post('/api/v1/admin/measures', { config: { ...dashboard, expensive: true } }, async (request) => {
    const body = bodyOf(request.body);
    const asked = keys<MeasureKey>(body, MEASURES);
    const { start, end } = range(body);
    const out = [];
    for (const key of asked) {
      const tag = key.startsWith('tag_') ? nested(body, key, 'id') : undefined;
      if (key.startsWith('tag_') && tag === undefined) throw unprocessable(`${key}[id] is required`);
      if (key.startsWith('instance_') && !nested(body, key, 'domain')) throw unprocessable(`${key}[domain] is required`);
      const m = await measure(ctx.db, key, start, end, tag === undefined ? null : idParam(tag));
      out.push(m.unit === 'bytes' ? { ...m, human_value: humanBytes(Number(m.total)) } : m);
    }
    return out;
  });

  app.post('/api/v1/admin/dimensions', { config: { ...dashboard, expensive: true } }, async (request) => {
    const body = bodyOf(request.body);
    const asked = keys<DimensionKey>(body, DIMENSIONS);
    const { start, end } = range(body, false);
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw unprocessable('limit must be between 1 and 100');
    const out = [];
    for (const key of asked) {
      const tag = key.startsWith('tag_') ? nested(body, key, 'id') : undefined;
      if (key.startsWith('tag_') && tag === undefined) throw unprocessable(`${key}[id] is required`);
      if (key.startsWith('instance_') && !nested(body, key, 'domain')) throw unprocessable(`${key}[domain] is required`);
      const data = await dimension(ctx.db, key, start, end, limit, tag === undefined ? null : idParam(tag));
      out.push({
        key,
        data: data.map((d) => ({
          key: d.key,
          human_key: key.endsWith('languages') ? humanLanguage(d.key) : HUMAN[d.key] ?? d.key,
          value: d.value,
          ...(d.unit ? { unit: d.unit, human_value: humanBytes(Number(d.value)) } : {}),
          ...(key === 'software_versions' ? { human_value: d.value } : {}),
        })),
      });
    }
    return out;
  });

  app.post('/api/v1/admin/retention', { config: { ...dashboard, expensive: true } }, async (request) => {
    const body = bodyOf(request.body);
    const { start, end } = range(body);
    const frequency = body.frequency;
    if (frequency !== 'day' && frequency !== 'month') throw unprocessable('frequency must be day or month');
    // One cohort per period, each followed over every later period: daily cohorts square quickly.
    if (frequency === 'day' && (end.getTime() - start.getTime()) / 86_400_000 >= MAX_DAILY_COHORTS) throw unprocessable(`Daily retention may span at most ${MAX_DAILY_COHORTS} days`);
    return retention(ctx.db, start, end, frequency);
  });
}
