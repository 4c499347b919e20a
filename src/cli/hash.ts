// `nasfpn hash FILE`: the canonical structural hash of each pyramid (same graph → same hash).
import type { Command } from 'commander';

export function registerHash(program: Command): void {
  program
    .command('hash')
    .description('print a structural hash of each pyramid: equal graphs (whatever their names or independent cell order) hash equal')
    .argument('<file>', '.fpn file')
    .option('--json', 'print {pyramid: hash} as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const [{ pyramidHash }, { loadProgram }] = await Promise.all([import('../semantics/hash.js'), import('./load.js')]);
      const checked = await loadProgram(file);
      const hashes = checked.pyramids.map((p) => [p.name, pyramidHash(p)] as const);
      if (options.json) process.stdout.write(JSON.stringify(Object.fromEntries(hashes), null, 2) + '\n');
      else for (const [name, hash] of hashes) process.stdout.write(`${hash}  ${name}\n`);
    });
}
