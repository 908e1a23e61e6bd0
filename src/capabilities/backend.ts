import { resolve } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import type { Backend, BackendSnapshot, BackendStatus, CallOptions } from "../backends/backend.ts";
import { GatewayError } from "../errors.ts";
import type { LookupFn, SsrfSettings } from "../firewall/ssrf.ts";
import { builtinCategory } from "./builtin-categories.ts";
import type { CapabilitySet } from "./capability-set.ts";
import type { CapabilityFile } from "./directory.ts";
import type { FetchFn, ResultCache } from "./execute.ts";
import type { Capability } from "./load.ts";
import type { ToolResult } from "./response.ts";

export type { CapabilitySet } from "./capability-set.ts";

// Parsing (yaml, the capability schemas) and calling (request, auth, response) load only when there is
// something to parse or call: with no built-ins and no directories, `serve` never pays for them.

/** Options of the capability backend; every field has a default except `log`. */
export interface CapabilityBackendOptions {
  /** Name shown in gateway_list_servers. @default "capabilities" */
  name?: string;
  /** @default "REST APIs as tools, from capability YAML files" */
  description?: string;
  /** Serve the capabilities embedded in the binary: all, none, or those of the named categories. @default true */
  builtin?: boolean | readonly string[];
  /** Directories of user capability files (searched recursively). @default [] */
  directories?: readonly string[];
  /** Reload a directory when its files change. @default true */
  watch?: boolean;
  /** Quiet time after the last file event before reloading, in ms. @default 250 */
  debounceMs?: number;
  /** Timeout of a capability without its own, in ms. @default 30000 */
  defaultTimeoutMs?: number;
  /** The embedded set (tests pass their own). @default BUILTIN_CAPABILITIES */
  builtinFiles?: readonly CapabilityFile[];
  /** @default globalThis.fetch */
  fetch?: FetchFn;
  /** Where `env:` credentials and `{env.X}` placeholders are read. @default process.env */
  env?: Record<string, string | undefined>;
  /** @default Date.now */
  now?: () => number;
  /** The SSRF guard's settings (redirects, hosts from arguments). @default block, nothing internal */
  ssrf?: SsrfSettings;
  /** Resolver of the SSRF guard. @default the system resolver */
  lookup?: LookupFn;
  log: ConsolaInstance;
}

function fingerprint(tools: readonly Tool[]): string {
  return JSON.stringify(tools);
}

/**
 * REST capabilities as one backend: the embedded set plus the user's directories, hot-reloaded.
 * Calls never throw for API failures; they come back as `isError` results.
 */
export class CapabilityBackend implements Backend {
  readonly name: string;
  readonly description: string;
  readonly transport = "rest" as const;

  readonly #options: CapabilityBackendOptions;
  readonly #directories: string[];
  /** Made at the first call, with the execute module. */
  #cache: ResultCache | undefined;
  readonly #listeners = new Set<() => void>();
  #builtin: CapabilityFile[] = [];
  #set: CapabilitySet = { capabilities: new Map(), problems: [], warnings: [] };
  #tools: Tool[] = [];
  #status: BackendStatus = "stopped";
  #listedAt: number | undefined;
  #unwatch: (() => void) | undefined;
  #reloads = 0;
  /** The reload running or last run: reloads queue behind it, so they never overlap. */
  #reloading: Promise<void> = Promise.resolve();

  constructor(options: CapabilityBackendOptions) {
    this.#options = options;
    this.name = options.name ?? "capabilities";
    this.description = options.description ?? "REST APIs as tools, from capability YAML files";
    this.#directories = (options.directories ?? []).map((d) => resolve(d));
  }

  get tools(): readonly Tool[] {
    return this.#tools;
  }

  get toolsListedAt(): number | undefined {
    return this.#listedAt;
  }

  /** The loaded capabilities by tool name. */
  get loaded(): ReadonlyMap<string, Capability> {
    return this.#set.capabilities;
  }

  /** Files skipped at the last load, each as `file:line:col: problem`. */
  get problems(): readonly string[] {
    return this.#set.problems;
  }

  snapshot(): BackendSnapshot {
    const skipped = this.#set.problems.length;
    // Built as a variable so fields the snapshot type gains elsewhere (toolsSource) are carried
    // without an excess-property error while that type evolves.
    const snapshot = {
      name: this.name,
      description: this.description,
      transport: this.transport,
      status: this.#status,
      tools: this.#tools.length,
      restarts: this.#reloads,
      lastError:
        skipped > 0 ? `${skipped} capability problem(s); first: ${this.#set.problems[0]}` : undefined,
      pid: undefined,
      toolsSource: "live" as const,
    };
    return snapshot;
  }

  onToolsChanged(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.#status === "running") return;
    // The 109 built-ins are opt-in: their text loads only when they are switched on.
    const wanted = this.#options.builtin ?? true;
    const all =
      wanted === false || (Array.isArray(wanted) && wanted.length === 0)
        ? []
        : (this.#options.builtinFiles ?? (await import("./builtin.generated.ts")).BUILTIN_CAPABILITIES);
    this.#builtin = all.filter((f) => !Array.isArray(wanted) || wanted.includes(builtinCategory(f.source)));
    await this.#reload(true);
    this.#status = "running";
    if (this.#options.watch !== false && this.#directories.length > 0) {
      const { watchDirectories } = await import("./directory.ts");
      this.#unwatch = watchDirectories(this.#directories, {
        debounceMs: this.#options.debounceMs ?? 250,
        onChange: () => {
          this.#reloads++;
          this.#reload(false).catch((err: unknown) =>
            this.#options.log.warn(`cannot reload capabilities: ${String(err)}`),
          );
        },
        onError: (dir, err) => this.#options.log.warn(`cannot watch ${dir} for changes: ${String(err)}`),
      });
    }
  }

  async refreshTools(): Promise<void> {
    await this.#reload(false);
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#status = "stopped";
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    const capability = this.#set.capabilities.get(name);
    if (!capability)
      throw new GatewayError("TOOL_NOT_FOUND", `no capability named "${name}" in ${this.name}`);
    // A loaded capability means the parser is loaded; the executor comes with the first call.
    const { executeCapability, ResultCache } = await import("./execute.ts");
    this.#cache ??= new ResultCache();
    const result: ToolResult = await executeCapability(capability, args, {
      env: this.#options.env ?? process.env,
      cache: this.#cache,
      signal: options.signal,
      subject: this.name,
      log: this.#options.log,
      ...(this.#options.ssrf ? { ssrf: this.#options.ssrf } : {}),
      ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      ...(this.#options.now ? { now: this.#options.now } : {}),
      ...(this.#options.defaultTimeoutMs !== undefined
        ? { defaultTimeoutMs: this.#options.defaultTimeoutMs }
        : {}),
    });
    return result;
  }

  /** Queues a reload behind the one running; resolves (or rejects) when this one has run. */
  #reload(first: boolean): Promise<void> {
    const run = this.#reloading.then(() => this.#load(first));
    this.#reloading = run.catch(() => {});
    return run;
  }

  /** Reads and parses everything into the next set; nothing to read loads nothing. */
  async #read(): Promise<CapabilitySet> {
    if (this.#builtin.length === 0 && this.#directories.length === 0)
      return { capabilities: new Map(), problems: [], warnings: [] };
    const [{ loadCapabilitySet }, { readCapabilityDirectory }] = await Promise.all([
      import("./capability-set.ts"),
      import("./directory.ts"),
    ]);
    const groups: CapabilityFile[][] = [this.#builtin];
    const unreadable: string[] = [];
    for (const dir of this.#directories) {
      const { files, problems } = readCapabilityDirectory(dir);
      groups.push(files);
      unreadable.push(...problems);
    }
    const next = loadCapabilitySet(groups);
    next.problems.unshift(...unreadable);
    return next;
  }

  async #load(first: boolean): Promise<void> {
    const log = this.#options.log;
    const next = await this.#read();
    const previous = this.#set;
    this.#set = next;
    for (const problem of next.problems)
      if (first || !previous.problems.includes(problem)) log.warn(`skipped: ${problem}`);
    for (const warning of next.warnings) if (first || !previous.warnings.includes(warning)) log.warn(warning);
    const tools = [...next.capabilities.values()].map((c) => c.tool);
    const changed = fingerprint(tools) !== fingerprint(this.#tools);
    this.#tools = tools;
    this.#listedAt = (this.#options.now ?? Date.now)();
    // Any edit may change what a request would return (a new base_url, a new response_path).
    if (
      JSON.stringify([...previous.capabilities.values()].map((c) => c.definition)) !==
      JSON.stringify([...next.capabilities.values()].map((c) => c.definition))
    )
      this.#cache?.clear();
    if (first) {
      log.info(
        `${tools.length} capabilities loaded (${this.#builtin.length} built in, ${this.#directories.length} directories)`,
      );
      return;
    }
    if (!changed) return;
    const before = new Set(previous.capabilities.keys());
    const after = new Set(next.capabilities.keys());
    const added = [...after].filter((n) => !before.has(n));
    const removed = [...before].filter((n) => !after.has(n));
    log.info(
      `capabilities reloaded: ${tools.length} tools` +
        (added.length ? `, added ${added.join(", ")}` : "") +
        (removed.length ? `, removed ${removed.join(", ")}` : ""),
    );
    for (const listener of this.#listeners) listener();
  }
}
