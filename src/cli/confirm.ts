import { createInterface } from "node:readline/promises";

/**
 * Asks a yes/no question on the terminal (prompt on stderr; stdout stays command output); only "y" or
 * "yes" is yes. Undefined when stdin is not a terminal, so callers can say how to answer non-interactively.
 */
export async function confirm(
  question: string,
  options: {
    /** @default process.stdin */
    input?: NodeJS.ReadableStream & { isTTY?: boolean };
    /** @default process.stderr */
    output?: NodeJS.WritableStream;
  } = {},
): Promise<boolean | undefined> {
  const input = options.input ?? process.stdin;
  if (input.isTTY !== true) return undefined;
  const lines = createInterface({ input, output: options.output ?? process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await lines.question(`${question} [y/N] `));
  } finally {
    lines.close();
  }
}
