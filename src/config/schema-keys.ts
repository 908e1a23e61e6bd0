import type { z } from "zod";
import { GatewayConfigSchema } from "./schema.ts";

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
};

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; current && i < 10; i++) {
    const def = (current as unknown as { def: Def }).def;
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "prefault" ||
      def.type === "nullable"
    )
      current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else return current;
  }
  return current;
}

/** The keys an object at `path` of the config may hold (for did-you-mean on unknown keys). */
export function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema = unwrap(GatewayConfigSchema);
  for (const segment of path) {
    const def = (schema as unknown as { def: Def } | undefined)?.def;
    if (!def) return [];
    if (def.type === "object") schema = unwrap(def.shape?.[String(segment)]);
    else if (def.type === "record") schema = unwrap(def.valueType);
    else if (def.type === "array") schema = unwrap(def.element);
    else return [];
  }
  const def = (schema as unknown as { def: Def } | undefined)?.def;
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}
