/** A one-line progress indicator on stderr, drawn only when stderr is a terminal (silent when piped). */
export interface Progress {
  update(text: string): void;
  /** Clears the line; with `final`, leaves that one line in its place. */
  done(final?: string): void;
}

/** The part of a terminal stream progress needs (a `NodeJS.WriteStream` in real use). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string | Uint8Array, ...rest: never[]): boolean;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR = "\r\x1b[2K";

/**
 * Starts a spinner line. Pass `enabled: false` (e.g. with --json) to get a no-op.
 * @param options.stream defaults to process.stderr; progress never touches stdout
 * @param options.interleave other writes to the stream (log lines) clear the spinner first and it is
 *   drawn again below them, so the two never share a line. @default false
 */
export function startProgress(
  text: string,
  options: { enabled?: boolean; stream?: ProgressStream; intervalMs?: number; interleave?: boolean } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  // Not a terminal: no spinner and no summary line (the logs already tell a non-TTY reader).
  if (options.enabled === false || stream.isTTY !== true) return { update() {}, done() {} };
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array) => boolean;
  let current = text;
  let frame = 0;
  let visible = false;
  // False while another writer's line is unfinished: the spinner must not land in the middle of it.
  let atLineStart = true;
  const draw = (): void => {
    if (!atLineStart) return;
    write(`${CLEAR}${FRAMES[frame++ % FRAMES.length]} ${current}`);
    visible = true;
  };
  const original = stream.write;
  if (options.interleave) {
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (visible) write(CLEAR);
      visible = false;
      const result = (original as (c: string | Uint8Array, ...r: never[]) => boolean).call(
        stream,
        chunk,
        ...rest,
      );
      const tail = typeof chunk === "string" ? chunk.slice(-1) : chunk.length > 0 ? chunk.at(-1) : undefined;
      if (tail !== undefined && tail !== "") atLineStart = tail === "\n" || tail === 10;
      draw();
      return result;
    }) as ProgressStream["write"];
  }
  draw();
  const timer = setInterval(draw, options.intervalMs ?? 80);
  timer.unref();
  return {
    update(next) {
      current = next;
      draw();
    },
    done(final) {
      clearInterval(timer);
      if (options.interleave) stream.write = original;
      const clear = visible ? CLEAR : atLineStart ? "" : "\n";
      write(final === undefined ? clear : `${clear}${final}\n`);
    },
  };
}
