/** The only place command output reaches stdout (logs never do). */
export function writeOutput(text: string): void {
  process.stdout.write(text);
}

/** A fatal error line for the user, on stderr. */
export function writeErrorLine(text: string): void {
  process.stderr.write(`${text}\n`);
}
