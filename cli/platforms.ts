import type { Command } from 'commander';

/** `hetmem platforms` — placeholder until issue 3 lands. */
export function registerPlatforms(program: Command): void {
  program
    .command('platforms')
    .description('(not implemented yet: issue 3)')
    .action(() => {
      throw new Error('hetmem platforms is not implemented yet (issue 3)');
    });
}
