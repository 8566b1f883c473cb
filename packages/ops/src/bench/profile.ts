// Summarises a V8 .cpuprofile (written by `node --cpu-prof`) as the frames with the most self time,
// which is what a flame graph's widest leaves show. Load the file itself into Chrome DevTools or
// speedscope.app for the full flame graph.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface Frame { frame: string; selfPercent: number }

export function topFrames(file: string, count = 15): Frame[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = nodes.get(id);
    if (!node) return;
    total += delta;
    const key = describe(node);
    selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  });
  return [...selfMicros.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({ frame, selfPercent: Math.round((micros / total) * 1000) / 10 }));
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name; // (program), (garbage collector), (idle), native builtins
  const path = url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url;
  return `${name} ${path}:${lineNumber + 1}`;
}
