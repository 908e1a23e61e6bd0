import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { globMatcher } from "../auth/scopes.ts";
import { resultTransform } from "./result-steps.ts";
import type { ArgumentsStepConfig, TransformStep } from "./schema.ts";

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

/** One compiled step: what it does to the tool list, and how a call through it is undone. */
export interface CompiledStep {
  /** The tool definitions after this step. */
  tools(tools: readonly Tool[]): Tool[];
  /** The name a tool had before this step, given its name after it; undefined when none could have it. */
  before(name: string): string | undefined;
  /** The arguments the step before receives, given a call's (names steps leave undefined). */
  arguments?(name: string, args: Args): Args;
  /** A result after this step, given the result before it. */
  result?(name: string, result: Result): Result;
}

function matchAny(globs: readonly string[]): (name: string) => boolean {
  const matchers = globs.map(globMatcher);
  return (name) => matchers.some((m) => m(name));
}

function renamed(tool: Tool, name: string): Tool {
  return { ...tool, name };
}

function filter(keep: (name: string) => boolean): CompiledStep {
  return {
    tools: (tools) => tools.filter((t) => keep(t.name)),
    before: (name) => (keep(name) ? name : undefined),
  };
}

function rename(map: Record<string, string>): CompiledStep {
  const back = new Map(Object.entries(map).map(([from, to]) => [to, from]));
  return {
    tools: (tools) => {
      const seen = new Set<string>();
      // A new name that another tool already has: the first in the backend's order keeps it.
      return tools
        .map((t) => (Object.hasOwn(map, t.name) ? renamed(t, map[t.name] as string) : t))
        .filter((t) => !seen.has(t.name) && seen.add(t.name));
    },
    before: (name) => back.get(name) ?? (Object.hasOwn(map, name) ? undefined : name),
  };
}

function describe(map: Record<string, string>): CompiledStep {
  const rules = Object.entries(map).map(([glob, text]) => ({ match: globMatcher(glob), text }));
  return {
    tools: (tools) =>
      tools.map((t) => {
        const rule = rules.find((r) => r.match(t.name));
        return rule ? { ...t, description: rule.text } : t;
      }),
    before: (name) => name,
  };
}

function withArguments(step: ArgumentsStepConfig): CompiledStep {
  const applies = matchAny(step.tools);
  const hidden = new Set(step.hide);
  const defaults = Object.entries(step.defaults);
  return {
    tools: (tools) =>
      tools.map((tool) => {
        if (!applies(tool.name)) return tool;
        const properties: Record<string, object> = { ...(tool.inputSchema.properties ?? {}) };
        for (const name of hidden) delete properties[name];
        for (const [name, value] of defaults) {
          const property = properties[name];
          if (property && !hidden.has(name)) properties[name] = { ...property, default: value };
        }
        const required = (tool.inputSchema.required ?? []).filter(
          (name) => !hidden.has(name) && !Object.hasOwn(step.defaults, name),
        );
        const { required: _, ...schema } = tool.inputSchema;
        return {
          ...tool,
          inputSchema: { ...schema, properties, ...(required.length > 0 ? { required } : {}) },
        };
      }),
    before: (name) => name,
    arguments: (name, args) => {
      if (!applies(name)) return args;
      const filled: Args = { ...args };
      for (const key of hidden) delete filled[key];
      for (const [key, value] of defaults) if (hidden.has(key) || !(key in filled)) filled[key] = value;
      return filled;
    },
  };
}

function reshape(step: NonNullable<TransformStep["result"]>): CompiledStep {
  const applies = matchAny(step.tools);
  const restructures = step.pick !== undefined || step.drop.length > 0;
  const run = resultTransform(step);
  return {
    // Picked or dropped structured content no longer matches the backend's outputSchema: it goes.
    tools: (tools) =>
      tools.map((tool) => {
        if (!restructures || !applies(tool.name) || tool.outputSchema === undefined) return tool;
        const { outputSchema: _, ...rest } = tool;
        return rest;
      }),
    before: (name) => name,
    result: (name, result) => (applies(name) ? run(result) : result),
  };
}

/** Compiles one validated step. */
export function compileStep(step: TransformStep): CompiledStep {
  if (step.prefix !== undefined) {
    const prefix = step.prefix;
    return {
      tools: (tools) => tools.map((t) => renamed(t, prefix + t.name)),
      before: (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : undefined),
    };
  }
  if (step.allow) return filter(matchAny(step.allow));
  if (step.deny) {
    const denied = matchAny(step.deny);
    return filter((name) => !denied(name));
  }
  if (step.rename) return rename(step.rename);
  if (step.description) return describe(step.description);
  if (step.arguments) return withArguments(step.arguments);
  if (step.result) return reshape(step.result);
  // The schema admits exactly one kind per step.
  throw new Error("empty transform step");
}
