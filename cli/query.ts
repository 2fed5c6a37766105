import type { Command } from 'commander';

/** `hetmem query` — placeholder until issue 5 lands. */
export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('(not implemented yet: issue 5)')
    .action(() => {
      throw new Error('hetmem query is not implemented yet (issue 5)');
    });
}
