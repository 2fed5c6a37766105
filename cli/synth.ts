import type { Command } from 'commander';

/** `hetmem synth` — placeholder until issue 2 lands. */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('(not implemented yet: issue 2)')
    .action(() => {
      throw new Error('hetmem synth is not implemented yet (issue 2)');
    });
}
