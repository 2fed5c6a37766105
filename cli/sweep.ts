import type { Command } from 'commander';

/** `hetmem sweep` — placeholder until issue 5 lands. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('(not implemented yet: issue 5)')
    .action(() => {
      throw new Error('hetmem sweep is not implemented yet (issue 5)');
    });
}
