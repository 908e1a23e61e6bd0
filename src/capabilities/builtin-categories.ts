/**
 * The categories of the built-in capabilities (the folders of `capabilities/`), for
 * `capabilities.builtin: [category, …]`. Written out so the config schema needs no file reads and the
 * 109 files' text stays unloaded; a test keeps it equal to the folders.
 */
export const BUILTIN_CATEGORIES = [
  "calendar",
  "developer",
  "finance",
  "geo",
  "knowledge",
  "media",
  "news",
  "science",
  "utility",
] as const;

/** One built-in category. */
export type BuiltinCategory = (typeof BUILTIN_CATEGORIES)[number];

/** The category of a built-in file's source (`builtin:<category>/<file>`). */
export function builtinCategory(source: string): string {
  return source.replace(/^builtin:/, "").split("/")[0] ?? "";
}
