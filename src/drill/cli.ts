// Placeholder until the drill role lands.
export async function main(_args: string[]): Promise<number> {
  process.stderr.write('firebreak drill: not available in this build\n');
  return 2;
}
