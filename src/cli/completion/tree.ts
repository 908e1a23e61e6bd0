import type { ArgDef, CommandDef, CommandMeta, Resolvable, SubCommandsDef } from "citty";

/** A flag as the shells need it: spellings, whether a value follows, and what values to offer. */
export interface FlagSpec {
  name: string;
  /** Single-letter aliases (`-c`) and long aliases. */
  aliases: string[];
  description: string;
  takesValue: boolean;
  /** Fixed choices (enum flags); empty when free-form. */
  values: string[];
  /** Complete file names for the value. */
  files: boolean;
  /** A boolean that defaults to true, so `--no-<name>` is the useful spelling. */
  negatable: boolean;
}

/** A positional argument of a leaf command. */
export interface PositionalSpec {
  name: string;
  description: string;
  values: string[];
  /** Words known only at completion time (an arg's `complete: "servers" | "tools"`), asked of the CLI. */
  dynamic?: "servers" | "tools";
}

/** One command of the tree with everything resolved (citty allows lazy meta, args and subcommands). */
export interface CommandNode {
  name: string;
  /** Names from the root, e.g. `["mcp-gateway", "tools", "search"]`. */
  path: string[];
  description: string;
  flags: FlagSpec[];
  positionals: PositionalSpec[];
  subcommands: CommandNode[];
}

async function resolveValue<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

const FILE_FLAG = /(^|-)(config|file|output|dir|path)$/;

function flagSpec(name: string, def: ArgDef): FlagSpec {
  const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
  const type = def.type ?? "string";
  return {
    name,
    aliases,
    description: def.description ?? "",
    takesValue: type === "string" || type === "enum",
    values: type === "enum" && "options" in def ? (def.options ?? []) : choicesIn(def.description),
    files: type === "string" && (FILE_FLAG.test(name) || def.valueHint === "file"),
    negatable: type === "boolean" && def.default === true,
  };
}

/** A string flag described as `a | b | c` (like --log-level) completes those words. */
function choicesIn(description: string | undefined): string[] {
  return description && /^[\w-]+( \| [\w-]+)+$/.test(description) ? description.split(" | ") : [];
}

const HELP: FlagSpec = {
  name: "help",
  aliases: ["h"],
  description: "Show help",
  takesValue: false,
  values: [],
  files: false,
  negatable: false,
};

/** Walks a citty command definition into a plain tree (hidden commands left out). */
export async function commandTree(command: CommandDef, path: string[] = []): Promise<CommandNode> {
  const meta: CommandMeta = (await resolveValue(command.meta)) ?? {};
  const name = meta.name ?? path.at(-1) ?? "";
  const here = path.length === 0 ? [name] : path;
  const args = (await resolveValue(command.args)) ?? {};
  const flags: FlagSpec[] = [];
  const positionals: PositionalSpec[] = [];
  for (const [argName, def] of Object.entries(args)) {
    if (def.type === "positional") {
      const complete = (def as { complete?: unknown }).complete;
      const dynamic = complete === "servers" || complete === "tools" ? complete : undefined;
      positionals.push({
        name: argName,
        description: def.description ?? "",
        values: hinted(def),
        ...(dynamic ? { dynamic } : {}),
      });
    } else flags.push(flagSpec(argName, def));
  }
  flags.push(HELP);
  if (path.length === 0 && meta.version) {
    flags.push({ ...HELP, name: "version", aliases: ["v"], description: "Show the version" });
  }
  const subs: SubCommandsDef = (await resolveValue(command.subCommands)) ?? {};
  const subcommands: CommandNode[] = [];
  for (const [subName, sub] of Object.entries(subs)) {
    const def = await resolveValue(sub);
    if (!def) continue;
    const subMeta = (await resolveValue(def.meta)) ?? {};
    if (subMeta.hidden) continue;
    subcommands.push(await commandTree(def, [...here, subName]));
  }
  return { name, path: here, description: meta.description ?? "", flags, positionals, subcommands };
}

/** Positionals may list their choices in `valueHint` as `a|b|c`. */
function hinted(def: ArgDef): string[] {
  const hint = def.valueHint;
  return hint?.includes("|") ? hint.split("|") : [];
}

/** Every node of the tree, depth first, root included. */
export function allNodes(root: CommandNode): CommandNode[] {
  return [root, ...root.subcommands.flatMap(allNodes)];
}
