import { z } from "zod";
import { parseJsonPath } from "./json-path.ts";

/** A tool name as MCP allows it. */
const TOOL_NAME = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, "tool names use letters, digits, _ . - (max 128)");
/** A tool-name glob (`*`, `?`). */
const TOOL_GLOB = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.*?-]+$/, "a tool glob uses letters, digits, _ . - and the wildcards * ?");
const ARGUMENT = z.string().min(1).max(128);
const JSON_PATH = z.string().superRefine((path, ctx) => {
  const parsed = parseJsonPath(path);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `invalid JSON path: ${parsed}` });
});
const TOOLS = z
  .array(TOOL_GLOB)
  .min(1)
  .default(["*"])
  .describe("Tools this step applies to, as names at this point of the chain (globs; default every tool)");

const ArgumentsStep = z.strictObject({
  tools: TOOLS,
  hide: z
    .array(ARGUMENT)
    .default([])
    .describe(
      "Arguments removed from the schema; filled from defaults on invoke (what a client sends is ignored)",
    ),
  defaults: z
    .record(ARGUMENT, z.unknown())
    .default({})
    .describe("Values filled in when a call leaves the argument out (always, for hidden ones)"),
});

const ResultStep = z.strictObject({
  tools: TOOLS,
  pick: JSON_PATH.optional().describe(
    "Keep only this part of the result's JSON (structured content, JSON text)",
  ),
  drop: z.array(JSON_PATH).default([]).describe("Remove these parts of the result's JSON"),
  truncate: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Cut each text item longer than this many characters, with a marker saying so"),
});

const STEP_KINDS = ["prefix", "allow", "deny", "rename", "description", "arguments", "result"] as const;

/** One step of a backend's transform chain: exactly one of its keys. */
export const TransformStepSchema = z
  .strictObject({
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "a prefix uses letters, digits, _ . - (max 64)")
      .optional()
      .describe("Put this before every tool name (a namespace)"),
    allow: z.array(TOOL_GLOB).min(1).optional().describe("Keep only tools matching one of these globs"),
    deny: z.array(TOOL_GLOB).min(1).optional().describe("Drop tools matching one of these globs"),
    rename: z
      .record(TOOL_NAME, TOOL_NAME)
      .optional()
      .refine((map) => new Set(Object.values(map ?? {})).size === Object.keys(map ?? {}).length, {
        message: "two tools renamed to the same name",
      })
      .describe("Old name → new name"),
    description: z
      .record(TOOL_GLOB, z.string())
      .optional()
      .describe("Tool name (glob) → the description shown instead of the backend's"),
    arguments: ArgumentsStep.optional().describe("Hide arguments or give them defaults"),
    result: ResultStep.optional().describe("Reshape results: pick, drop, truncate"),
  })
  .superRefine((step, ctx) => {
    const present = STEP_KINDS.filter((kind) => step[kind] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          present.length === 0
            ? `a transform step needs one of ${STEP_KINDS.join(", ")}`
            : `one step per list item: this one has ${present.join(" and ")} (write each as its own "- " item)`,
      });
    }
  });

/** The `transforms:` list of a backend, applied in order. */
export const TransformsSchema = z
  .array(TransformStepSchema)
  .default([])
  .describe(
    "Steps applied in order to this backend's tools (prefix, allow, deny, rename, description, arguments) and results; reversed on invoke (see docs/transforms.md)",
  );

/** One validated transform step. */
export type TransformStep = z.output<typeof TransformStepSchema>;
/** The `arguments` step. */
export type ArgumentsStepConfig = z.output<typeof ArgumentsStep>;
/** The `result` step. */
export type ResultStepConfig = z.output<typeof ResultStep>;
