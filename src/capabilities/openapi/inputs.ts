import { safeProperty } from "./naming.ts";
import { clone, type Json, type Operation, Parameter } from "./spec.ts";

/** An operation's parameters and body mapped onto a capability: its input schema and where each value goes. */
export interface OperationInputs {
  /** `schema.input.properties`. */
  properties: Json;
  required: string[];
  /** Query parameters → `{placeholder}`. */
  params: Json;
  headers: Json;
  /** The path with its placeholders renamed to the input properties. */
  path: string;
  body: unknown;
  bodyContentType: string | undefined;
  /** Why the operation cannot be imported (a cookie parameter, a body type we cannot send). */
  unsupported: string | undefined;
  /** Property names in use. */
  taken: Set<string>;
}

/** Maps path-level and operation parameters, then the OpenAPI 3 request body (Swagger 2.0 keeps it a parameter). */
export function operationInputs(op: Operation, options: { swagger: boolean }): OperationInputs {
  const inputs: OperationInputs = {
    properties: {},
    required: [],
    params: {},
    headers: {},
    path: op.path,
    body: undefined,
    bodyContentType: undefined,
    unsupported: undefined,
    taken: new Set(),
  };
  for (const p of mergedParameters(op)) addParameter(inputs, p);
  const requestBody = op.operation.requestBody as Json | undefined;
  if (requestBody && !options.swagger) addRequestBody(inputs, requestBody);
  return inputs;
}

/** Path-item parameters overridden by the operation's own of the same `in` and `name`. */
function mergedParameters(op: Operation): Parameter[] {
  const merged = new Map<string, Parameter>();
  const raw = [
    ...((op.item.parameters as unknown[]) ?? []),
    ...((op.operation.parameters as unknown[]) ?? []),
  ];
  for (const value of raw) {
    const p = Parameter.safeParse(value);
    if (p.success) merged.set(`${p.data.in}:${p.data.name}`, p.data);
  }
  return [...merged.values()];
}

function addParameter(inputs: OperationInputs, p: Parameter): void {
  if (p.in === "cookie") {
    inputs.unsupported = `cookie parameter "${p.name}" is not supported`;
    return;
  }
  const prop = safeProperty(p.name, inputs.taken);
  if (p.in === "body") {
    inputs.properties[prop] = {
      ...clone(p.schema ?? {}),
      ...(p.description ? { description: p.description } : {}),
    };
    if (p.required) inputs.required.push(prop);
    inputs.body = `{${prop}}`;
    return;
  }
  inputs.properties[prop] = parameterSchema(p);
  if (p.required || p.in === "path") inputs.required.push(prop);
  if (p.in === "path") inputs.path = inputs.path.replaceAll(`{${p.name}}`, `{${prop}}`);
  else if (p.in === "query") inputs.params[p.name] = `{${prop}}`;
  else if (p.in === "header") inputs.headers[p.name] = `{${prop}}`;
  else if (p.in === "formData") {
    inputs.bodyContentType = "application/x-www-form-urlencoded";
    inputs.body = { ...((inputs.body as Json | undefined) ?? {}), [p.name]: `{${prop}}` };
  }
}

/** JSON Schema of one parameter (Swagger 2.0 keeps it on the parameter itself). */
function parameterSchema(p: Parameter): Json {
  const schema: Json = p.schema
    ? clone(p.schema)
    : Object.fromEntries(
        Object.entries({
          type: p.type,
          items: p.items,
          enum: p.enum,
          default: p.default,
          format: p.format,
        }).filter(([, v]) => v !== undefined),
      );
  if (p.description && schema.description === undefined) schema.description = p.description;
  return schema;
}

/** A JSON body (else a form body): an object's properties become inputs of their own, anything else one `body`. */
function addRequestBody(inputs: OperationInputs, requestBody: Json): void {
  const content = (requestBody.content ?? {}) as Record<string, Json>;
  const types = Object.keys(content);
  const jsonType = types.find((t) => /json/i.test(t));
  const formType = types.find((t) => t === "application/x-www-form-urlencoded");
  const chosen = jsonType ?? formType;
  if (!chosen) {
    inputs.unsupported = `request body ${types.join(", ") || "(none)"} is not supported (JSON and form bodies are)`;
    return;
  }
  const schema = clone((content[chosen]?.schema ?? {}) as Json);
  if (!spreadObjectBody(inputs, schema)) {
    const prop = safeProperty("body", inputs.taken);
    inputs.properties[prop] = {
      ...schema,
      description: String(requestBody.description ?? schema.description ?? "Request body"),
    };
    if (requestBody.required) inputs.required.push(prop);
    inputs.body = `{${prop}}`;
  }
  if (chosen === formType && !jsonType) inputs.bodyContentType = formType;
}

/** An object body whose property names are free and safe: each property becomes an input. False if not. */
function spreadObjectBody(inputs: OperationInputs, schema: Json): boolean {
  const bodyProps = (schema.properties ?? {}) as Json;
  const keys = Object.keys(bodyProps);
  const flat = schema.type === "object" || schema.properties !== undefined;
  const clash = keys.some((k) => inputs.taken.has(k) || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k));
  if (!flat || clash || keys.length === 0) return false;
  const template: Json = {};
  for (const [k, v] of Object.entries(bodyProps)) {
    inputs.properties[k] = v;
    template[k] = `{${k}}`;
    inputs.taken.add(k);
  }
  for (const r of (schema.required as string[] | undefined) ?? [])
    if (r in bodyProps) inputs.required.push(r);
  inputs.body = template;
  return true;
}
