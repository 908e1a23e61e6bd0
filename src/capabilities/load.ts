import type { Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { locate } from "../config/yaml-position.ts";
import { didYouMean } from "../suggest.ts";
import { checkPin } from "./pin.ts";
import {
  AuthSchema,
  CacheSchema,
  type CapabilityDefinition,
  CapabilityObjectSchema,
  CapabilitySchema,
  IGNORED_KEYS,
  MetadataSchema,
  ProviderSchema,
  RestConfigSchema,
} from "./schema.ts";

/** A capability ready to serve: its definition, where it came from and the MCP tool it becomes. */
export interface Capability {
  definition: CapabilityDefinition;
  /** File path, or `builtin:<category>/<file>` for the embedded set. */
  source: string;
  /** SHA-256 of the pinned content (whether or not the file carries a pin). */
  pinned: boolean;
  tool: Tool;
  /** Whether results may be cached: read-only and a positive cache.ttl. */
  cacheTtlMs: number;
  warnings: string[];
}

/** The outcome of reading one capability file: the capability, or every problem with `file:line:col`. */
export type ParseResult = { ok: true; capability: Capability } | { ok: false; problems: string[] };

function keysOf(schema: { shape: Record<string, unknown> }): string[] {
  return Object.keys(schema.shape);
}

/** Keys allowed in the mapping at `path`, for did-you-mean on unknown keys. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  const p = path.map(String);
  if (p.length === 0) return keysOf(CapabilityObjectSchema);
  const last = p[p.length - 1];
  if (p.length === 1) {
    const map: Record<string, string[]> = {
      schema: ["input", "output"],
      auth: keysOf(AuthSchema),
      cache: keysOf(CacheSchema),
      metadata: keysOf(MetadataSchema),
      providers: ["primary", "fallback"],
    };
    return map[p[0] ?? ""] ?? [];
  }
  if (p[0] !== "providers") return [];
  if (last === "config") return keysOf(RestConfigSchema);
  if (last === "path_selector") return ["parameter", "default", "paths"];
  return keysOf(ProviderSchema);
}

/** Read-only unless the file says otherwise: GET/HEAD REST calls are, everything else is not. */
export function isReadOnly(definition: CapabilityDefinition): boolean {
  const primary = definition.providers.primary;
  return (
    definition.metadata.read_only ??
    (primary.service === "rest" && (primary.config.method === "GET" || primary.config.method === "HEAD"))
  );
}

function toTool(definition: CapabilityDefinition): Tool {
  const meta = definition.metadata;
  const readOnly = isReadOnly(definition);
  const annotations: ToolAnnotations = {
    ...(meta.title ? { title: meta.title } : {}),
    readOnlyHint: readOnly,
    destructiveHint: meta.destructive ?? !readOnly,
    idempotentHint: meta.idempotent ?? readOnly,
    openWorldHint: meta.open_world ?? true,
  };
  const input = { type: "object", ...definition.schema.input } as Tool["inputSchema"];
  const output = definition.schema.output;
  const tool: Tool = {
    name: definition.name,
    description: definition.description,
    inputSchema: input,
    annotations,
  };
  if (output && output.type === "object") tool.outputSchema = output as Tool["outputSchema"];
  if (meta.category || meta.tags.length > 0) {
    tool._meta = { "mcp-gateway/capability": { category: meta.category, tags: meta.tags } };
  }
  return tool;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  where: (path: readonly PropertyKey[], key?: string) => string,
): string[] {
  const dotted = (path: readonly PropertyKey[]): string => path.map(String).join(".") || "(top level)";
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const known = allowedKeys(issue.path);
      const hint = didYouMean(key, known);
      const list = hint === "" && known.length > 0 ? ` (allowed: ${known.join(", ")})` : "";
      return `${where(issue.path, key)}: unknown key "${key}" in ${dotted(issue.path)}${hint}${list}`;
    });
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [`${where(issue.path)}: ${dotted(issue.path)} is required`];
  }
  return [`${where(issue.path)}: ${dotted(issue.path)}: ${issue.message}`];
}

/**
 * Parses and validates one capability file's text. Problems name `file:line:col`; a pinned file whose
 * content no longer matches its pin is refused.
 */
export function parseCapability(text: string, options: { source: string }): ParseResult {
  const file = options.source;
  // Bun's native YAML parser is ~50x faster than the \`yaml\` package; the latter is only needed to
  // point at lines, so it runs only when there is something to report.
  let raw: unknown;
  let fastParsed = true;
  try {
    raw = Bun.YAML.parse(text);
  } catch {
    fastParsed = false;
  }
  let located: { doc: ReturnType<typeof parseDocument>; counter: LineCounter } | undefined;
  const positions = (): { doc: ReturnType<typeof parseDocument>; counter: LineCounter } => {
    if (!located) {
      const counter = new LineCounter();
      located = { doc: parseDocument(text, { lineCounter: counter, prettyErrors: false }), counter };
    }
    return located;
  };
  if (!fastParsed) {
    const { doc } = positions();
    if (doc.errors.length > 0) {
      return {
        ok: false,
        problems: doc.errors.map((e) => {
          const pos = e.linePos?.[0];
          return `${file}:${pos ? `${pos.line}:${pos.col}` : "1:1"}: invalid YAML: ${e.message.split("\n")[0]}`;
        }),
      };
    }
    raw = doc.toJS();
  }
  const where = (path: readonly PropertyKey[], key?: string): string => {
    const { doc, counter } = positions();
    const pos = locate(doc, counter, path, key);
    return pos ? `${file}:${pos.line}:${pos.col}` : `${file}:1:1`;
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [`${file}:1:1: a capability file must be a YAML mapping (fulcrum, name, …)`],
    };
  }
  const result = CapabilitySchema.safeParse(raw);
  if (!result.success) {
    return { ok: false, problems: result.error.issues.flatMap((issue) => describeIssue(issue, where)) };
  }
  const definition = result.data;
  const pin = checkPin(text, definition.sha256);
  if (pin.state === "mismatch") {
    return {
      ok: false,
      problems: [
        `${where(["sha256"])}: content does not match its sha256 pin (expected ${pin.expected.slice(0, 12)}…, ` +
          `got ${pin.actual.slice(0, 12)}…); refused until re-pinned with: mcp-gateway cap pin ${file}`,
      ],
    };
  }
  const warnings: string[] = [];
  for (const key of IGNORED_KEYS) {
    if (definition[key] !== undefined)
      warnings.push(`${where([key])}: "${key}" is not supported here and is ignored`);
  }
  const readOnly = isReadOnly(definition);
  let cacheTtlMs = definition.cache.ttl;
  if (cacheTtlMs > 0 && !readOnly) {
    warnings.push(`${where(["cache", "ttl"])}: cache.ttl is ignored because the tool is not read-only`);
    cacheTtlMs = 0;
  }
  return {
    ok: true,
    capability: {
      definition,
      source: file,
      pinned: pin.state === "verified",
      tool: toTool(definition),
      cacheTtlMs,
      warnings,
    },
  };
}
