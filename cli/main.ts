/**
 * The `hetmem` command line: one module per verb under cli/, each registering itself on the program.
 * Exit codes: 0 ok, 2 bad input or usage, 1 internal error. Data goes to stdout, messages to stderr.
 */
import { Command, CommanderError } from 'commander';
import { discardAllTemps } from '../common/atomic-output.ts';
import { diskFullMessage, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, isBadInput } from '../common/bad-input.ts';
import { releaseAllClaims } from '../common/output-guard.ts';
import { rewriteCommanderError } from './output-option.ts';
import { ExitStatus } from '../common/exit-status.ts';
import { HETMEM_VERSION } from '../common/package-version.ts';

type Register = (program: Command) => void;

/**
 * The verbs, in help order, each loaded only when needed: a verb module pulls in its whole pipeline
 * (DuckDB, Arrow, Plot, linkedom: ~0.2–0.4 s each to load), so `hetmem query` loads the query path
 * only and `hetmem --version` none of them.
 */
const VERBS: ReadonlyArray<{ name: string; load: () => Promise<Register> }> = [
  { name: 'synth', load: async () => (await import('./synth.ts')).registerSynth },
  { name: 'ingest', load: async () => (await import('./ingest.ts')).registerIngest },
  { name: 'inspect', load: async () => (await import('./inspect.ts')).registerInspect },
  { name: 'platforms', load: async () => (await import('./platforms.ts')).registerPlatforms },
  { name: 'replay', load: async () => (await import('./replay.ts')).registerReplay },
  { name: 'sweep', load: async () => (await import('./sweep.ts')).registerSweep },
  { name: 'query', load: async () => (await import('./query.ts')).registerQuery },
  { name: 'report', load: async () => (await import('./report.ts')).registerReport },
  { name: 'export', load: async () => (await import('./export.ts')).registerExport },
  { name: 'calibrate', load: async () => (await import('./calibrate.ts')).registerCalibrate },
  { name: 'demo', load: async () => (await import('./demo.ts')).registerDemo },
];

/**
 * Which verbs a command line needs: the one it names, none for a bare `--version`, and all of them
 * otherwise (top-level help and an unknown verb's did-you-mean list every verb).
 */
export function verbsFor(args: readonly string[]): readonly string[] {
  const first = args[0];
  if (first !== undefined && VERBS.some((v) => v.name === first)) return [first];
  if (args.length === 1 && (first === '--version' || first === '-V')) return [];
  return VERBS.map((v) => v.name);
}

export const VERSION: string = HETMEM_VERSION;

/** The program with the given verbs registered (default: all of them). */
export async function buildProgram(verbs: readonly string[] = VERBS.map((v) => v.name)): Promise<Command> {
  const program = new Command('hetmem')
    .description('Trace-replay analytics for heterogeneous memory (UVM/HMM migration, BAR pressure, P2P DMA, RDMA ODP).')
    .version(HETMEM_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      outputError: (s, write) => write(rewriteCommanderError(s)),
    });
  const registers = await Promise.all(VERBS.filter((v) => verbs.includes(v.name)).map((v) => v.load()));
  for (const register of registers) register(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  // A reader that closes the pipe early (`hetmem inspect x --json | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    throw e;
  });
  const program = await buildProgram(verbsFor(argv.slice(2)));
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (e) {
    discardAllTemps();
    releaseAllClaims();
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (e instanceof ExitStatus) return e.code;
    if (isBadInput(e)) {
      process.stderr.write(`hetmem: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    const full = diskFullMessage(e);
    if (full !== undefined) {
      process.stderr.write(`hetmem: ${full}\n`);
      return EXIT_BAD_INPUT;
    }
    const err = e as Error;
    process.stderr.write(`hetmem: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.HETMEM_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return EXIT_INTERNAL;
  }
}
