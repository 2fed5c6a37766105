import type { Command } from 'commander';

/** `hetmem report` — placeholder until issue 5 lands. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('(not implemented yet: issue 5)')
    .action(() => {
      throw new Error('hetmem report is not implemented yet (issue 5)');
    });
}
