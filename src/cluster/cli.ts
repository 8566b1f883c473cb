// Placeholder until the cluster role lands.
export async function main(_args: string[]): Promise<number> {
  process.stderr.write('firebreak cluster: not available in this build\n');
  return 2;
}
