import type { Command } from 'commander';

/** `hetmem demo` — placeholder until issue 5 lands. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('(not implemented yet: issue 5)')
    .action(() => {
      throw new Error('hetmem demo is not implemented yet (issue 5)');
    });
}
