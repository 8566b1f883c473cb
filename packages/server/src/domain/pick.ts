/**
 * The named fields of a row, each read from `prefix` + its name: for statements that return several
 * entities' columns side by side (the author's as `author_...`), and for splitting cached content from
 * counters.
 */
export function pick(row: Record<string, unknown>, fields: readonly string[], prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = row[prefix + f];
  return out;
}
