import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { TransformStep } from "./schema.ts";
import { type CompiledStep, compileStep } from "./steps.ts";

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

/** How one call by its exposed name reaches the backend, and how its result comes back. */
export interface BackendCall {
  /** The backend's own name of the tool. */
  name: string;
  /** The arguments as the backend receives them (hidden ones and defaults filled in). */
  arguments(args: Args): Args;
  /** The result as the client receives it. */
  result(result: Result): Result;
}

/**
 * A backend's transform steps, compiled: tool lists go through them in order; a call goes back through
 * them in reverse (names undone, arguments filled), and its result forward again.
 */
export class TransformChain {
  readonly #steps: CompiledStep[];
  readonly #lists = new WeakMap<readonly Tool[], readonly Tool[]>();

  constructor(steps: readonly TransformStep[]) {
    this.#steps = steps.map(compileStep);
  }

  /** The tools clients see; the same array for the same input, so callers can compare lists by identity. */
  tools(raw: readonly Tool[]): readonly Tool[] {
    let shown = this.#lists.get(raw);
    if (!shown) {
      shown = this.#steps.reduce<readonly Tool[]>((tools, step) => step.tools(tools), raw);
      this.#lists.set(raw, shown);
    }
    return shown;
  }

  /**
   * The backend call behind an exposed name, or undefined when no tool of the backend can have that name
   * (filtered out, renamed away, lacking the prefix). Works for names the backend never listed, too.
   */
  resolve(exposed: string): BackendCall | undefined {
    // names[k] is the name after step k; names[0] the backend's.
    const names: string[] = new Array(this.#steps.length + 1);
    names[this.#steps.length] = exposed;
    for (let k = this.#steps.length - 1; k >= 0; k--) {
      const before = (this.#steps[k] as CompiledStep).before(names[k + 1] as string);
      if (before === undefined) return undefined;
      names[k] = before;
    }
    const steps = this.#steps;
    return {
      name: names[0] as string,
      arguments: (args) => {
        let current = args;
        for (let k = steps.length - 1; k >= 0; k--) {
          const step = steps[k] as CompiledStep;
          if (step.arguments) current = step.arguments(names[k + 1] as string, current);
        }
        return current;
      },
      result: (result) => {
        let current = result;
        steps.forEach((step, k) => {
          if (step.result) current = step.result(names[k + 1] as string, current);
        });
        return current;
      },
    };
  }
}
