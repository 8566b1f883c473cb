// A tiny YAML emitter for generated configuration files: maps, lists and scalars. Strings are always
// double-quoted (JSON strings are valid YAML), so nothing a value contains can change the structure.
type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function isEmptyContainer(v: Value): boolean {
  return (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function emit(v: Value, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (item !== null && typeof item === 'object' && !isEmptyContainer(item)) {
        const inner = emit(item, indent + 2);
        return [`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1)];
      }
      return [`${pad}- ${isEmptyContainer(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item as string)}`];
    });
  }
  if (v !== null && typeof v === 'object') {
    return Object.entries(v).flatMap(([key, item]) => {
      const k = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
      if (item !== null && typeof item === 'object' && !isEmptyContainer(item)) return [`${pad}${k}:`, ...emit(item, indent + 2)];
      return [`${pad}${k}: ${isEmptyContainer(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item as string)}`];
    });
  }
  return [`${pad}${scalar(v)}`];
}

export function toYaml(v: Value): string {
  return `${emit(v, 0).join('\n')}\n`;
}
export type { Value as YamlValue };
