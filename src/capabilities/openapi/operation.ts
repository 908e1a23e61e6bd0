import { stringify } from "yaml";
import { parseCapability } from "../load.ts";
import { type OperationInputs, operationInputs } from "./inputs.ts";
import { snakeCase } from "./naming.ts";
import { securityFor } from "./security.ts";
import { type Json, type Operation, operationLabel, type Spec } from "./spec.ts";

/** What one operation's conversion needs from the spec as a whole. */
export interface OperationContext {
  spec: Spec;
  /** Absolute base URL of the API. */
  base: string;
  /** Category and name prefix; "" for none. */
  prefix: string;
  /** Credential reference for secured operations (`env:…`). */
  key: string;
  /** `auth:` for every operation, in place of the spec's schemes (`--auth-type`). */
  auth?: Json;
}

/** One operation → a capability file that validates, or why it was skipped. */
export type OperationResult = { yaml: string } | { skipped: string };

/** Converts one operation into the YAML of capability `name` (checked with the capability loader). */
export function convertOperation(
  op: Operation,
  context: OperationContext & { name: string },
): OperationResult {
  const swagger = context.spec.swagger !== undefined;
  const inputs = operationInputs(op, { swagger });
  if (inputs.unsupported) return { skipped: inputs.unsupported };
  const security = context.auth
    ? { auth: context.auth }
    : securityFor(context.spec, op.operation, context.key);
  if ("problem" in security) return { skipped: security.problem };
  const doc: Json = {
    fulcrum: "1.0",
    name: context.name,
    description: description(op),
    schema: {
      input: {
        type: "object",
        properties: inputs.properties,
        ...(inputs.required.length > 0 ? { required: [...new Set(inputs.required)] } : {}),
      },
    },
    providers: {
      primary: { service: "rest", config: providerConfig(op, inputs, { base: context.base, swagger }) },
    },
    ...(security.auth ? { auth: security.auth } : {}),
    metadata: metadata(op, context),
  };
  const { info } = context.spec;
  const header = `# Imported from ${info.title}${info.version ? ` ${info.version}` : ""}: ${operationLabel(op)}\n`;
  const yaml = header + stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
  const check = parseCapability(yaml, { source: `${context.name}.yaml` });
  if (!check.ok) return { skipped: `the generated file would not validate: ${check.problems[0]}` };
  return { yaml };
}

/** Summary, then description, on one line of at most 400 characters. */
function description(op: Operation): string {
  const { operation } = op;
  const summary = String(operation.summary ?? operation.description ?? operationLabel(op)).trim();
  const detail = operation.summary && operation.description ? ` ${String(operation.description).trim()}` : "";
  return (
    `${summary}${detail}`.replace(/\s+/g, " ").slice(0, 400) + (operation.deprecated ? " (deprecated)" : "")
  );
}

function providerConfig(
  op: Operation,
  inputs: OperationInputs,
  options: { base: string; swagger: boolean },
): Json {
  const format = responseFormat(op.operation, options.swagger);
  const { headers, params, body, bodyContentType } = inputs;
  return {
    base_url: options.base.replace(/\/+$/, ""),
    path: inputs.path,
    method: op.method.toUpperCase(),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(bodyContentType ? { body_content_type: bodyContentType } : {}),
    ...(format ? { response_format: format } : {}),
  };
}

/** The `response_format` of the first 2xx answer; undefined for JSON (the default) or when none is declared. */
function responseFormat(operation: Json, swagger: boolean): string | undefined {
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  const ok = Object.entries(responses).find(([status]) => /^2/.test(status))?.[1];
  const types = swagger
    ? ((operation.produces as string[] | undefined) ?? [])
    : Object.keys((ok?.content as Json | undefined) ?? {});
  if (types.length === 0 || types.some((t) => /json/i.test(t))) return undefined;
  if (types.some((t) => /xml/i.test(t))) return "xml";
  if (types.some((t) => t.startsWith("text/"))) return "text";
  return "binary";
}

/** Category, tags and the hints MCP clients show (read-only, destructive, idempotent) from the method. */
function metadata(op: Operation, context: OperationContext): Json {
  const { method } = op;
  return {
    category: context.prefix || snakeCase(context.spec.info.title),
    tags: ((op.operation.tags as string[] | undefined) ?? []).map(String),
    read_only: method === "get" || method === "head",
    destructive: method === "delete",
    idempotent: method !== "post" && method !== "patch",
    open_world: true,
  };
}
