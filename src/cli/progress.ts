/** A one-line progress indicator on stderr, drawn only when stderr is a terminal (silent when piped). */
export interface Progress {
  update(text: string): void;
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Starts a spinner line. Pass `enabled: false` (e.g. with --json) to get a no-op.
 * @param options.stream defaults to process.stderr; progress never touches stdout
 */
export function startProgress(
  text: string,
  options: { enabled?: boolean; stream?: NodeJS.WriteStream; intervalMs?: number } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || stream.isTTY !== true) return { update() {}, done() {} };
  let current = text;
  let frame = 0;
  const draw = (): void => {
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`);
  };
  draw();
  const timer = setInterval(draw, options.intervalMs ?? 80);
  timer.unref();
  return {
    update(next) {
      current = next;
      draw();
    },
    done() {
      clearInterval(timer);
      stream.write("\r\x1b[2K");
    },
  };
}
