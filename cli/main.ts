/**
 * The `hetmem` command line: one module per verb under cli/, each registering itself on the program.
 * Exit codes: 0 ok, 2 bad input or usage, 1 internal error. Data goes to stdout, messages to stderr.
 */
import { Command, CommanderError } from 'commander';
import { discardAllTemps } from '../common/atomic-output.ts';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, isBadInput } from '../common/bad-input.ts';
import { HETMEM_VERSION } from '../common/package-version.ts';
import { registerSynth } from './synth.ts';
import { registerIngest } from './ingest.ts';
import { registerInspect } from './inspect.ts';
import { registerPlatforms } from './platforms.ts';
import { registerReplay } from './replay.ts';
import { registerSweep } from './sweep.ts';
import { registerQuery } from './query.ts';
import { registerReport } from './report.ts';
import { registerDemo } from './demo.ts';

export function buildProgram(): Command {
  const program = new Command('hetmem')
    .description('Trace-replay analytics for heterogeneous memory (UVM/HMM migration, BAR pressure, P2P DMA, RDMA ODP).')
    .version(HETMEM_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const register of [registerSynth, registerIngest, registerInspect, registerPlatforms, registerReplay, registerSweep, registerQuery, registerReport, registerDemo]) {
    register(program);
  }
  return program;
}

/** Runs the CLI; resolves to the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  // A reader that closes the pipe early (`hetmem inspect x --json | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (e) {
    discardAllTemps();
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (isBadInput(e)) {
      process.stderr.write(`hetmem: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    const err = e as Error;
    process.stderr.write(`hetmem: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.HETMEM_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return EXIT_INTERNAL;
  }
}
