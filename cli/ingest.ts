import type { Command } from 'commander';

/** `hetmem ingest` — placeholder until issue 2 lands. */
export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('(not implemented yet: issue 2)')
    .action(() => {
      throw new Error('hetmem ingest is not implemented yet (issue 2)');
    });
}
