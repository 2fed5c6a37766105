import type { Command } from 'commander';

/** `hetmem replay` — placeholder until issue 3 lands. */
export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('(not implemented yet: issue 3)')
    .action(() => {
      throw new Error('hetmem replay is not implemented yet (issue 3)');
    });
}
