import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { BudgetConfig } from "../config/schema.ts";
import { errorMessage, GatewayError } from "../errors.ts";
import { log } from "../log.ts";
import { dataDir } from "../user-dirs.ts";
import { globMatcher } from "./scopes.ts";

function usedUp(before: number, budget: number, cost: number): GatewayError {
  return new GatewayError(
    "ACCESS_DENIED",
    `the daily budget of this client is used up (${before} of ${budget}; this call costs ${cost}); it resets at 00:00 UTC`,
  );
}

/** Where the day's spending is kept: `budgets.json` in the user data dir. */
export function defaultBudgetPath(): string {
  return join(dataDir(), "budgets.json");
}

const StateSchema = z.object({
  day: z.string(),
  used: z.record(z.string(), z.number()),
  /** Thresholds (fractions) already announced today, per principal. */
  crossed: z.record(z.string(), z.array(z.number())).default({}),
});
type State = z.output<typeof StateSchema>;

/**
 * Spending shared by every replica (see `src/cluster/`): one atomic check-and-add per charge. Undefined
 * answers mean the shared store is away; the replica charges its own file meanwhile.
 */
export interface SharedBudgets {
  /**
   * Adds `cost` to what `principal` spent on `day`, unless that would pass `limit` (no limit: always).
   * @returns the total after the charge, or refused with the total before it
   */
  charge(
    day: string,
    principal: string,
    cost: number,
    limit: number | undefined,
  ): Promise<{ ok: true; used: number } | { ok: false; used: number } | undefined>;
}

/** Options of {@link Budgets}. */
export interface BudgetsOptions {
  /** The state file. @default defaultBudgetPath() */
  path?: string;
  /** Wall clock, ms (the UTC day). @default Date.now */
  now?: () => number;
  /** How long after a charge the state file is written. @default 1000 */
  writeDelayMs?: number;
}

/**
 * Daily cost budgets per principal: each tool call costs the first matching `costs` glob (default 1),
 * charged before the call; at each threshold (a fraction of the principal's budget) the action runs once a
 * day (`log`, `warn`), and `block` refuses a call that would pass it. Spending is kept in a JSON file
 * (atomic, debounced writes) so a restart does not reset it; a new UTC day does.
 */
export class Budgets {
  readonly #config: BudgetConfig;
  readonly #path: string;
  readonly #now: () => number;
  readonly #delay: number;
  readonly #costs: { match: (text: string) => boolean; cost: number }[];
  readonly #thresholds: BudgetConfig["thresholds"];
  #state: State;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onExit = (): void => this.save();

  constructor(config: BudgetConfig, options: BudgetsOptions = {}) {
    this.#config = config;
    this.#path = options.path ?? defaultBudgetPath();
    this.#now = options.now ?? Date.now;
    this.#delay = options.writeDelayMs ?? 1000;
    this.#costs = Object.entries(config.costs).map(([glob, cost]) => ({ match: globMatcher(glob), cost }));
    this.#thresholds = [...config.thresholds].sort((a, b) => a.at - b.at);
    this.#state = this.#load();
    process.on("exit", this.#onExit);
  }

  /** The principal's daily budget, or undefined when it has none. */
  budgetOf(principal: string): number | undefined {
    return this.#config.principals[principal] ?? this.#config.daily;
  }

  /** What a call of `server/tool` costs. */
  costOf(server: string, tool: string): number {
    const name = `${server}/${tool}`;
    return this.#costs.find((c) => c.match(name))?.cost ?? 1;
  }

  /** Spent today by `principal`. */
  used(principal: string): number {
    this.#rollOver();
    return this.#state.used[principal] ?? 0;
  }

  /**
   * Charges one call against the spending every replica shares (this replica's own while `shared` does
   * not answer); throws before charging when a `block` threshold would be passed.
   * @throws GatewayError ACCESS_DENIED naming the budget and when it resets
   */
  async chargeShared(principal: string, server: string, tool: string, shared: SharedBudgets): Promise<void> {
    const budget = this.budgetOf(principal);
    if (budget === undefined) return;
    const cost = this.costOf(server, tool);
    const blocks = this.#thresholds.filter((t) => t.action === "block").map((t) => t.at * budget);
    const limit = blocks.length > 0 ? Math.min(...blocks) : undefined;
    this.#rollOver();
    const answer = await shared.charge(this.#state.day, principal, cost, limit);
    if (!answer) return this.charge(principal, server, tool);
    if (!answer.ok) throw usedUp(answer.used, budget, cost);
    this.#record(principal, budget, answer.used);
  }

  /**
   * Charges one call; throws before charging when a `block` threshold would be passed.
   * @throws GatewayError ACCESS_DENIED naming the budget and when it resets
   */
  charge(principal: string, server: string, tool: string): void {
    const budget = this.budgetOf(principal);
    if (budget === undefined) return;
    const cost = this.costOf(server, tool);
    const before = this.used(principal);
    const after = before + cost;
    for (const { at, action } of this.#thresholds) {
      const limit = at * budget;
      if (action === "block" && after > limit) throw usedUp(before, budget, cost);
    }
    this.#record(principal, budget, after);
  }

  /** Notes what `principal` has spent after a charge, announces thresholds crossed, schedules the write. */
  #record(principal: string, budget: number, after: number): void {
    this.#state.used[principal] = after;
    const crossed = this.#state.crossed[principal] ?? [];
    for (const { at, action } of this.#thresholds) {
      if (action === "block" || after < at * budget || crossed.includes(at)) continue;
      crossed.push(at);
      const line = `budget: ${principal} has spent ${after} of its daily ${budget} (${Math.round(at * 100)}% threshold)`;
      if (action === "warn") log.warn(line);
      else log.info(line);
    }
    this.#state.crossed[principal] = crossed;
    this.#timer ??= setTimeout(() => this.save(), this.#delay);
    this.#timer.unref?.();
  }

  /** Writes the state file now (atomically). */
  save(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      const temp = `${this.#path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(this.#state)}\n`, { mode: 0o600 });
      renameSync(temp, this.#path);
    } catch (error) {
      log.error(`budgets: could not write ${this.#path}: ${errorMessage(error)}`);
    }
  }

  /** Writes the state and stops writing on exit. */
  close(): void {
    this.save();
    process.off("exit", this.#onExit);
  }

  #today(): string {
    return new Date(this.#now()).toISOString().slice(0, 10);
  }

  #rollOver(): void {
    const today = this.#today();
    if (this.#state.day !== today) this.#state = { day: today, used: {}, crossed: {} };
  }

  #load(): State {
    const fresh = { day: this.#today(), used: {}, crossed: {} };
    let text: string;
    try {
      text = readFileSync(this.#path, "utf8");
    } catch {
      return fresh;
    }
    try {
      const state = StateSchema.parse(JSON.parse(text));
      return state.day === fresh.day ? state : fresh;
    } catch (error) {
      log.warn(`budgets: ${this.#path} is unreadable, starting the day at 0: ${errorMessage(error)}`);
      return fresh;
    }
  }
}
