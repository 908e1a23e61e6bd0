import { defineCommand } from "citty";
import { executeCapability } from "../../capabilities/execute.ts";
import { findCapability, loadForCli, pinFile } from "../../capabilities/files.ts";
import { importOpenApi } from "../../capabilities/openapi/import.ts";
import { GatewayError } from "../../errors.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const importArgs = {
  spec: {
    type: "positional",
    description: "OpenAPI 3.x or Swagger 2.0 spec: file or URL, YAML or JSON",
    required: true,
  },
  output: {
    type: "string",
    alias: "o",
    description: "Directory to write capability files into",
    required: true,
  },
  prefix: { type: "string", description: "Prefix for every capability name (and their category)" },
  "auth-key": {
    type: "string",
    description: "Credential reference for secured operations, e.g. env:STRIPE_KEY",
  },
  "auth-type": {
    type: "string",
    description:
      "Send the key on every operation as bearer|basic|header:NAME|query:NAME (for specs without security schemes)",
  },
  tag: { type: "string", description: "Only operations with this tag (repeat or comma-separate)" },
  path: {
    type: "string",
    description: "Only operations whose path matches this glob, e.g. '/pets/**' (repeatable)",
  },
  "base-url": { type: "string", description: "API base URL instead of the spec's servers/host" },
  force: { type: "boolean", description: "Overwrite files that already exist" },
} as const;

const validateArgs = {
  paths: { type: "positional", description: "Capability files or directories", required: false },
  builtin: { type: "boolean", description: "Also validate the built-in set" },
} as const;

const listArgs = {
  paths: { type: "positional", description: "Extra capability files or directories", required: false },
  builtin: {
    type: "boolean",
    default: true,
    description: "Include the built-in set (--no-builtin to leave it out)",
  },
  json: { type: "boolean", description: "Print JSON" },
} as const;

const testArgs = {
  target: {
    type: "positional",
    description: "Capability file, or the name of a built-in capability",
    required: true,
  },
  args: { type: "string", alias: "a", description: "Arguments as a JSON object" },
} as const;

const pinArgs = {
  files: { type: "positional", description: "Capability files to pin", required: true },
} as const;

/** Every value of a repeatable string flag (`--tag a --tag b` → a, b); citty keeps only the last. */
function listFlag(rawArgs: readonly string[], name: string): string[] {
  return rawArgs.flatMap((arg, i) => {
    if (arg === `--${name}`) return rawArgs[i + 1] ?? [];
    return arg.startsWith(`--${name}=`) ? [arg.slice(name.length + 3)] : [];
  });
}

/** Positional arguments after the subcommand name (citty keeps only the first under its name). */
function positionals(rawArgs: readonly string[]): string[] {
  return rawArgs.filter((a) => !a.startsWith("-"));
}

const importCommand = defineCommand({
  meta: {
    name: "import",
    description: "Turn every operation of an OpenAPI/Swagger spec into a capability file",
  },
  args: importArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, importArgs);
    const result = await importOpenApi(args.spec, {
      output: args.output,
      ...(args.prefix ? { prefix: args.prefix } : {}),
      ...(args["auth-key"] ? { authKey: args["auth-key"] } : {}),
      ...(args["auth-type"] ? { authType: args["auth-type"] } : {}),
      ...(args["base-url"] ? { baseUrl: args["base-url"] } : {}),
      tags: listFlag(rawArgs, "tag").flatMap((t) => t.split(",").map((v) => v.trim())),
      paths: listFlag(rawArgs, "path"),
      force: args.force === true,
      onProgress: (done, total) => writeErrorLine(`… ${done}/${total} operations`),
    });
    for (const file of result.written) writeOutput(`wrote ${file}\n`);
    for (const s of result.skipped) writeOutput(`skipped ${s.operation}: ${s.reason}\n`);
    writeOutput(
      `${result.title}: ${result.written.length} capabilities written to ${args.output}, ${result.skipped.length} skipped\n`,
    );
  },
});

const validateCommand = defineCommand({
  meta: { name: "validate", description: "Check capability files; problems are printed as file:line:col" },
  args: validateArgs,
  run: ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, validateArgs);
    const paths = positionals(rawArgs);
    if (paths.length === 0 && !args.builtin)
      throw new GatewayError("USAGE", "name files or directories to validate (or --builtin)");
    const set = loadForCli(paths, { builtin: args.builtin === true });
    for (const problem of set.problems) writeOutput(`${problem}\n`);
    for (const warning of set.warnings) writeOutput(`warning: ${warning}\n`);
    writeOutput(`${set.capabilities.size} valid capabilities, ${set.problems.length} problems\n`);
    if (set.problems.length > 0 || set.capabilities.size === 0) {
      throw new GatewayError("CONFIG_INVALID", `${set.problems.length} problem(s) in capability files`);
    }
  },
});

const listCommand = defineCommand({
  meta: {
    name: "list",
    description: "List capabilities: the built-in set plus any files or directories given",
  },
  args: listArgs,
  run: ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, listArgs);
    const set = loadForCli(positionals(rawArgs), { builtin: args.builtin !== false });
    const rows = [...set.capabilities.values()]
      .map((c) => ({
        name: c.definition.name,
        category: c.definition.metadata.category,
        auth: c.definition.auth.type === "none" ? "" : (c.definition.auth.key ?? ""),
        source: c.source,
        description: c.definition.description,
      }))
      .sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
    if (args.json) {
      writeOutput(`${JSON.stringify({ capabilities: rows, problems: set.problems }, null, 2)}\n`);
      return;
    }
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    for (const r of rows) {
      const key = r.auth ? ` [key: ${r.auth}]` : "";
      writeOutput(`${r.category.padEnd(10)} ${r.name.padEnd(width)} ${r.description.slice(0, 70)}${key}\n`);
    }
    writeOutput(
      `${rows.length} capabilities${set.problems.length ? `, ${set.problems.length} problems` : ""}\n`,
    );
    for (const problem of set.problems) writeErrorLine(`skipped: ${problem}`);
  },
});

const testCommand = defineCommand({
  meta: { name: "test", description: "Run one capability once against the real API and print the result" },
  args: testArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, testArgs);
    let parsed: unknown = {};
    try {
      parsed = args.args ? JSON.parse(args.args) : {};
    } catch {
      throw new GatewayError("USAGE", '--args must be a JSON object, e.g. --args \'{"city":"Oslo"}\'');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new GatewayError("USAGE", "--args must be a JSON object");
    }
    const capability = findCapability(args.target);
    const result = await executeCapability(capability, parsed as Record<string, unknown>, {
      env: process.env,
    });
    for (const part of result.content) {
      if (part.type === "text") writeOutput(`${part.text}\n`);
      else writeOutput(`[${part.type} content]\n`);
    }
    if (result.isError) throw new GatewayError("BACKEND_UNAVAILABLE", "the capability call failed");
  },
});

const pinCommand = defineCommand({
  meta: {
    name: "pin",
    description: "Write a sha256 pin into capability files; changed pinned files are refused",
  },
  args: pinArgs,
  run: ({ rawArgs }) => {
    assertKnownFlags(rawArgs, pinArgs);
    for (const file of positionals(rawArgs)) writeOutput(`pinned ${file} sha256:${pinFile(file)}\n`);
  },
});

/** `mcp-gateway cap`: REST capabilities (import, validate, list, test, pin). */
export const capCommand = defineCommand({
  meta: {
    name: "cap",
    description: "REST capabilities: import OpenAPI specs, validate, list, test and pin files",
  },
  subCommands: {
    import: importCommand,
    validate: validateCommand,
    list: listCommand,
    test: testCommand,
    pin: pinCommand,
  },
});
