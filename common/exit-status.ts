/**
 * A verb that has said everything it had to say but must still end with a non-zero code (e.g.
 * `hetmem sweep status` on an unfinished sweep, so a script can test it) throws `ExitStatus`; the CLI
 * returns its code without printing anything more.
 */
export class ExitStatus extends Error {
  override readonly name = 'ExitStatus';
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

/** `hetmem sweep status`: the sweep is not (yet) complete. */
export const EXIT_INCOMPLETE = 3;
