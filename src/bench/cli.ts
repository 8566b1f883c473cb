// Placeholder until the bench role lands.
export async function main(_args: string[]): Promise<number> {
  process.stderr.write('firebreak bench: not available in this build\n');
  return 2;
}
