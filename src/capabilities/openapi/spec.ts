import { z } from "zod";

/**
 * The parts of an OpenAPI 3.0/3.1 or Swagger 2.0 document the importer reads (after `$ref`s are resolved);
 * everything else is ignored.
 */

/** A JSON object of the resolved document. */
export type Json = Record<string, unknown>;

/** The HTTP methods an operation can sit under in a path item. */
export const METHODS = ["get", "put", "post", "delete", "patch", "head"] as const;

export const SpecShape = z.looseObject({
  openapi: z.string().optional(),
  swagger: z.string().optional(),
  info: z
    .looseObject({ title: z.string().default("api"), version: z.string().optional() })
    .default({ title: "api" }),
  servers: z
    .array(
      z.looseObject({
        url: z.string(),
        variables: z.record(z.string(), z.looseObject({ default: z.unknown() })).optional(),
      }),
    )
    .optional(),
  host: z.string().optional(),
  basePath: z.string().optional(),
  schemes: z.array(z.string()).optional(),
  paths: z.record(z.string(), z.looseObject({})).default({}),
  security: z.array(z.record(z.string(), z.unknown())).optional(),
  components: z.looseObject({ securitySchemes: z.record(z.string(), z.unknown()).optional() }).optional(),
  securityDefinitions: z.record(z.string(), z.unknown()).optional(),
});
export type Spec = z.infer<typeof SpecShape>;

export const Parameter = z.looseObject({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
  items: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  default: z.unknown().optional(),
  format: z.string().optional(),
});
export type Parameter = z.infer<typeof Parameter>;

export const SecurityScheme = z.looseObject({
  type: z.string(),
  in: z.string().optional(),
  name: z.string().optional(),
  scheme: z.string().optional(),
});
export type SecurityScheme = z.infer<typeof SecurityScheme>;

/** One operation of the spec: where it sits and its (resolved) objects. */
export interface Operation {
  path: string;
  method: (typeof METHODS)[number];
  /** The path item, for path-level parameters. */
  item: Json;
  operation: Json;
}

/** Every operation of the spec, in document order. */
export function operationsOf(spec: Spec): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && typeof operation === "object") {
        operations.push({ path, method, item, operation: operation as Json });
      }
    }
  }
  return operations;
}

/** `METHOD /path`, how reports name an operation. */
export function operationLabel(op: Operation): string {
  return `${op.method.toUpperCase()} ${op.path}`;
}

/** A JSON copy: the resolved document shares objects between operations (and may hold `$ref` cycles, left
 * as `$ref`); a copy keeps each generated file self-contained and free of YAML anchors. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
