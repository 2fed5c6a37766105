import type { Command } from 'commander';

/** `hetmem inspect` — placeholder until issue 2 lands. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('(not implemented yet: issue 2)')
    .action(() => {
      throw new Error('hetmem inspect is not implemented yet (issue 2)');
    });
}
