import { type El, h } from "./dom.ts";

/** The parts of a JSON Schema property the form understands; anything else is edited as JSON. */
interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
}

interface Field {
  name: string;
  kind: "text" | "number" | "integer" | "boolean" | "enum" | "json";
  required: boolean;
  input: El;
  values?: unknown[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(schema: PropertySchema): Field["kind"] {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "string") return "text";
  if (type === "number") return "number";
  if (type === "integer") return "integer";
  if (type === "boolean") return "boolean";
  return "json";
}

/** A form built from a tool's input schema: one labelled field per property, and a way to read its values. */
export interface SchemaForm {
  fields: El;
  /** The arguments as typed, or the message saying which field is wrong. */
  read(): { arguments: Record<string, unknown> } | { error: string };
}

/** Builds the try-it fields for `schema` (an object schema; anything else gets one JSON box). */
export function schemaForm(schema: unknown, idPrefix: string): SchemaForm {
  const root = isRecord(schema) ? schema : {};
  const properties = isRecord(root.properties) ? root.properties : {};
  const required = new Set(Array.isArray(root.required) ? root.required.map(String) : []);
  const fields: Field[] = [];
  const rows: El[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const prop: PropertySchema = isRecord(raw) ? (raw as PropertySchema) : {};
    const kind = kindOf(prop);
    const id = `${idPrefix}-${name}`;
    const isRequired = required.has(name);
    const initial = prop.default;
    let input: El;
    if (kind === "enum") {
      input = h(
        "select",
        { id, name },
        isRequired ? null : h("option", { value: "" }, "—"),
        (prop.enum ?? []).map((v, i) => h("option", { value: String(i) }, JSON.stringify(v))),
      );
    } else if (kind === "boolean") {
      input = h("input", { id, name, type: "checkbox", checked: initial === true });
    } else if (kind === "json") {
      input = h("textarea", {
        id,
        name,
        rows: 3,
        spellcheck: "false",
        value: initial === undefined ? "" : JSON.stringify(initial),
      });
    } else {
      input = h("input", {
        id,
        name,
        type: kind === "text" ? "text" : "number",
        step: kind === "integer" ? "1" : kind === "number" ? "any" : undefined,
        required: isRequired,
        value: initial === undefined ? undefined : String(initial),
      });
    }
    fields.push({
      name,
      kind,
      required: isRequired,
      input,
      ...(kind === "enum" ? { values: prop.enum } : {}),
    });
    rows.push(
      h(
        "div",
        { class: "field" },
        h(
          "label",
          { for: id },
          name,
          isRequired ? h("span", { class: "req", title: "required" }, " *") : null,
        ),
        input,
        prop.description ? h("small", { class: "hint" }, prop.description) : null,
      ),
    );
  }
  if (rows.length === 0) rows.push(h("p", { class: "muted" }, "This tool takes no arguments."));
  return {
    fields: h("div", { class: "fields" }, rows),
    read: () => {
      const args: Record<string, unknown> = {};
      for (const field of fields) {
        const text = field.input.value;
        if (field.kind === "boolean") {
          args[field.name] = field.input.checked;
          continue;
        }
        if (text === "") {
          if (field.required) return { error: `${field.name} is required` };
          continue;
        }
        if (field.kind === "enum") args[field.name] = field.values?.[Number(text)];
        else if (field.kind === "number" || field.kind === "integer") {
          const n = Number(text);
          if (!Number.isFinite(n) || (field.kind === "integer" && !Number.isInteger(n))) {
            return { error: `${field.name} must be ${field.kind === "integer" ? "an integer" : "a number"}` };
          }
          args[field.name] = n;
        } else if (field.kind === "json") {
          try {
            args[field.name] = JSON.parse(text);
          } catch {
            return { error: `${field.name} must be JSON` };
          }
        } else args[field.name] = text;
      }
      return { arguments: args };
    },
  };
}
