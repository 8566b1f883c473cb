// Placeholder until the status role lands.
export async function main(_args: string[]): Promise<number> {
  process.stderr.write('firebreak status: not available in this build\n');
  return 2;
}
