import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import type { GatewayConfig } from "../config/schema.ts";
import { redactLogsWith } from "../log.ts";
import type { Counter, Gauge, Registry } from "../metrics/registry.ts";
import { secretsOf } from "../redact.ts";
import { checkArguments } from "./arguments.ts";
import { CredentialScanner } from "./credentials.ts";
import { type Pin, PinStore, type QuarantineReason, type SharedApprovals, toolHash } from "./pins.ts";
import { catalogView, type PoisonFinding, scanTool } from "./poisoning.ts";
import { redactResult } from "./result-scan.ts";
import { type FirewallSettings, firewallSettings } from "./settings.ts";
import { onSsrfFinding } from "./ssrf.ts";

/** A tool held back, as `/health` and `gateway_list_servers` show it. */
export interface QuarantinedTool {
  tool: string;
  reason: QuarantineReason;
  since: string;
  findings?: PoisonFinding[];
}

/** One backend's tools as the catalog sees them, before the firewall. */
export interface ToolList {
  server: string;
  tools: readonly Tool[];
}

/** Options of {@link Firewall}. */
export interface FirewallOptions {
  /** Where pins live (`pins/` inside). */
  cacheDir: string;
  log: ConsolaInstance;
  /** Where its counters are registered (the gateway's /metrics). @default none */
  registry?: Registry | undefined;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
  /** Approvals shared with other replicas. @default none: this cache dir's pins alone */
  approvals?: SharedApprovals | undefined;
}

/** How to approve, for messages. */
export function approveHint(server: string, tool?: string): string {
  return `approve with: mcp-gateway tools approve ${server}${tool ? `/${tool}` : ""} (or set trust: auto on backend "${server}")`;
}

/**
 * The checks between the model and its tools: pins each tool definition on first sight and quarantines a
 * later change (rug pull), scans definitions for poisoning, and redacts credentials in results. Each check
 * follows its policy (`off | warn | block`, redaction also `redact`), per backend over the `firewall` section.
 */
export class Firewall {
  readonly #config: () => GatewayConfig;
  #scannerFor: GatewayConfig | undefined;
  readonly #store: PinStore;
  readonly #log: ConsolaInstance;
  readonly #now: () => number;
  #scanner: CredentialScanner;
  readonly #quarantined = new Map<string, Map<string, QuarantinedTool>>();
  readonly #findings = new Map<string, Map<string, { hash: string; findings: PoisonFinding[] }>>();
  readonly #listeners = new Set<() => void>();
  readonly #hashes = new WeakMap<Tool, string>();
  readonly #redactions: Counter<"backend" | "kind"> | undefined;
  readonly #detections: Counter<"backend" | "rule"> | undefined;
  readonly #blocked: Counter<"backend" | "check"> | undefined;
  readonly #quarantineGauge: Gauge<"backend"> | undefined;
  readonly #argumentFindings: Counter<"backend" | "rule"> | undefined;
  readonly #ssrf: Counter<"backend" | "class" | "action"> | undefined;
  readonly #unsubscribe: (() => void)[] = [];

  /** @param config the current config (read on every use, so a hot reload applies at once) */
  constructor(config: () => GatewayConfig, options: FirewallOptions) {
    this.#config = config;
    this.#store = new PinStore(options.cacheDir, { shared: options.approvals });
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#scanner = scannerFor(config());
    this.#scannerFor = config();
    const r = options.registry;
    this.#redactions = r?.counter({
      name: "mcp_gateway_firewall_redactions_total",
      help: "Credentials found in tool results, by kind (replaced, logged or blocked per policy).",
      labelNames: ["backend", "kind"],
    });
    this.#detections = r?.counter({
      name: "mcp_gateway_firewall_poisoning_findings_total",
      help: "Poisoning findings in tool definitions, by rule (counted once per definition).",
      labelNames: ["backend", "rule"],
    });
    this.#blocked = r?.counter({
      name: "mcp_gateway_firewall_blocked_total",
      help: "Tool calls refused by the firewall (quarantined tool, result with credentials under block).",
      labelNames: ["backend", "check"],
    });
    this.#argumentFindings = r?.counter({
      name: "mcp_gateway_firewall_argument_findings_total",
      help: "Suspicious tool-call arguments (traversal, shell, SQL, internal URLs), by rule.",
      labelNames: ["backend", "rule"],
    });
    this.#ssrf = r?.counter({
      name: "mcp_gateway_firewall_ssrf_total",
      help: "Requests to internal addresses (by a redirect or a host from arguments), by address class: refused or warned.",
      labelNames: ["backend", "class", "action"],
    });
    this.#unsubscribe.push(
      onSsrfFinding((f) =>
        this.#ssrf?.inc({
          backend: f.subject,
          class: f.addressClass,
          action: f.refused ? "refused" : "warned",
        }),
      ),
      // Every log line passes this config's credential shapes, patterns and secret values.
      redactLogsWith(() => this.#currentScanner()),
    );
    this.#quarantineGauge = r?.gauge({
      name: "mcp_gateway_firewall_quarantined_tools",
      help: "Tools held back until approved (changed definition or poisoning under block).",
      labelNames: ["backend"],
    });
  }

  /** Called when what is visible changed (an approval, a new quarantine): the catalog rebuilds. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads pins another process changed (an approval by CLI); true when something changed. */
  refresh(): boolean {
    // Only servers holding something back can be changed by an approval (a stat each, none when all is clear).
    const stale = [...this.#quarantined]
      .filter(([, held]) => held.size > 0)
      .some(([server]) => this.#store.stale(server));
    if (stale) this.#changed();
    return stale;
  }

  settings(server: string): FirewallSettings {
    return firewallSettings(this.#config(), server);
  }

  /** Stops hearing SSRF findings and redacting logs with this config (the gateway stopped). */
  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /**
   * Every backend's tools as clients may see them: pins recorded on first sight, changed or poisoned ones
   * (under `block`) held back, findings logged once per definition.
   */
  admit(lists: readonly ToolList[]): Map<string, readonly Tool[]> {
    const view = catalogView(lists.flatMap((l) => l.tools.map((tool) => ({ server: l.server, tool }))));
    const out = new Map<string, readonly Tool[]>();
    for (const { server, tools } of lists) {
      const settings = this.settings(server);
      const pins = this.#store.read(server);
      const held = new Map<string, QuarantinedTool>();
      let dirty = false;
      const shown = tools.filter((tool) => {
        const hash = this.#hash(tool);
        const findings = settings.poisoning === "off" ? [] : this.#scan(server, tool, hash, view);
        const pin = pins.get(tool.name);
        const next = this.#decide(server, tool.name, { hash, pin, findings, settings });
        if (next !== pin) {
          pins.set(tool.name, next);
          dirty = true;
        }
        if (!next.pending || next.pending.hash !== hash) return true;
        held.set(tool.name, {
          tool: tool.name,
          reason: next.pending.reason,
          since: new Date(next.pending.since).toISOString(),
          ...(findings.length > 0 ? { findings } : {}),
        });
        return false;
      });
      if (dirty) {
        try {
          this.#store.write(server, pins);
        } catch (error) {
          this.#log.warn(`cannot write tool pins of "${server}": ${(error as Error).message}`);
        }
      }
      this.#quarantined.set(server, held);
      this.#quarantineGauge?.set({ backend: server }, held.size);
      out.set(server, shown);
    }
    return out;
  }

  /** The pin a tool gets now: unchanged, first recorded, accepted (trust/policy) or held back. */
  #decide(
    server: string,
    tool: string,
    seen: { hash: string; pin: Pin | undefined; findings: PoisonFinding[]; settings: FirewallSettings },
  ): Pin {
    const { hash, pin, findings, settings } = seen;
    const now = this.#now();
    const poisonedBlock = settings.poisoning === "block" && findings.length > 0 && settings.trust !== "auto";
    if (!pin) {
      if (poisonedBlock) {
        this.#log.warn(
          `tool "${server}/${tool}" quarantined: its definition looks poisoned; ${approveHint(server, tool)}`,
        );
        return { hash, since: now, pending: { hash, reason: "poisoned", since: now } };
      }
      return { hash, since: now };
    }
    if (pin.hash === hash) {
      if (poisonedBlock && !pin.approved && pin.pending?.hash !== hash) {
        return { ...pin, pending: { hash, reason: "poisoned", since: now } };
      }
      // A definition that went back to the approved one is no longer held back.
      return pin.pending ? { hash: pin.hash, since: pin.since, approved: pin.approved } : pin;
    }
    if (pin.pending?.hash === hash) return pin;
    if (settings.trust === "auto" || settings.pinning !== "block") {
      if (settings.pinning !== "off") {
        this.#log.warn(
          `tool "${server}/${tool}" changed its definition since first seen (accepted: ${settings.trust === "auto" ? "trust: auto" : "pinning: warn"})`,
        );
      }
      return { hash, since: now };
    }
    this.#log.warn(
      `tool "${server}/${tool}" quarantined: its definition changed since it was first seen (rug-pull protection); ${approveHint(server, tool)}`,
    );
    return { ...pin, pending: { hash, reason: "changed", since: now } };
  }

  #scan(server: string, tool: Tool, hash: string, view: ReturnType<typeof catalogView>): PoisonFinding[] {
    let byTool = this.#findings.get(server);
    if (!byTool) {
      byTool = new Map();
      this.#findings.set(server, byTool);
    }
    const known = byTool.get(tool.name);
    if (known?.hash === hash) return known.findings;
    const findings = scanTool(tool, server, view);
    byTool.set(tool.name, { hash, findings });
    for (const f of findings) {
      this.#detections?.inc({ backend: server, rule: f.rule });
      this.#log.warn(`tool "${server}/${tool.name}": ${f.rule} in ${f.field}: "${f.span}"`);
    }
    return findings;
  }

  /** A definition's hash, computed once per tool object (lists are rebuilt often, definitions rarely change). */
  #hash(tool: Tool): string {
    let hash = this.#hashes.get(tool);
    if (hash === undefined) {
      hash = toolHash(tool);
      this.#hashes.set(tool, hash);
    }
    return hash;
  }

  /** Tools held back on one server (empty when none). */
  quarantined(server: string): QuarantinedTool[] {
    return [...(this.#quarantined.get(server)?.values() ?? [])];
  }

  /** Poisoning findings of every visible or held-back tool of a server, by tool name. */
  findings(server: string): Record<string, PoisonFinding[]> {
    const out: Record<string, PoisonFinding[]> = {};
    for (const [tool, { findings }] of this.#findings.get(server) ?? []) {
      if (findings.length > 0) out[tool] = findings;
    }
    return out;
  }

  /**
   * The refusal of a call to a held-back tool, as a tool result the model can read, or undefined when the
   * tool is not held back. `name` may be the tool's own name or its transparent `<server>__<tool>` name.
   * Answers from the last `admit`: call `refresh` and let the catalog admit the current lists first.
   */
  refusal(server: string | undefined, name: string): Record<string, unknown> | undefined {
    for (const [owner, held] of this.#quarantined) {
      if (server !== undefined && owner !== server) continue;
      const own = server === undefined && name.startsWith(`${owner}__`) ? name.slice(owner.length + 2) : name;
      const entry = held.get(own);
      if (!entry) continue;
      this.#blocked?.inc({ backend: owner, check: "quarantine" });
      const why =
        entry.reason === "changed"
          ? "its definition (description, schema or annotations) changed since it was first seen, which is how a tool is swapped for a malicious one"
          : `its definition looks poisoned (${(entry.findings ?? []).map((f) => f.rule).join(", ")})`;
      return {
        content: [
          {
            type: "text",
            text: `Tool "${owner}/${entry.tool}" is quarantined by the gateway's firewall: ${why}. A person must review and ${approveHint(owner, entry.tool)}.`,
          },
        ],
        isError: true,
      };
    }
    return undefined;
  }

  /**
   * The refusal of a call whose arguments look like an attack (under `arguments: block`), or undefined;
   * findings are logged (names and rules, never values) and counted either way.
   */
  checkCall(
    server: string,
    tool: Tool | undefined,
    name: string,
    args: Record<string, unknown>,
  ): Record<string, unknown> | undefined {
    const settings = this.settings(server);
    const policy = settings.arguments;
    if (policy === "off") return undefined;
    const findings = checkArguments(tool, args, { root: settings.pathRoot });
    if (findings.length === 0) return undefined;
    const what = findings.map((f) => `${f.rule} in "${f.argument}"`).join(", ");
    for (const f of findings) this.#argumentFindings?.inc({ backend: server, rule: f.rule });
    this.#log.warn(`call of "${server}/${name}": ${what}${policy === "block" ? " (refused)" : ""}`);
    if (policy !== "block") return undefined;
    this.#blocked?.inc({ backend: server, check: "arguments" });
    return {
      content: [
        {
          type: "text",
          text: `The gateway's firewall refused this call of "${server}/${name}": ${what}. Use a plain value inside the intended scope.`,
        },
      ],
      isError: true,
    };
  }

  /** A tool result after credential redaction (per the backend's policy); counts and logs what was found. */
  filterResult(server: string, tool: string, result: Record<string, unknown>): Record<string, unknown> {
    const policy = this.settings(server).redaction;
    if (policy === "off") return result;
    const { result: redacted, found } = redactResult(result, this.#currentScanner());
    if (found.length === 0) return result;
    const kinds = [...new Set(found.map((f) => f.kind))];
    for (const f of found) this.#redactions?.inc({ backend: server, kind: f.kind });
    this.#log.warn(
      `tool "${server}/${tool}" returned credentials (${kinds.join(", ")}): ${policy === "warn" ? "passed on (redaction: warn)" : policy === "block" ? "result refused" : "redacted"}`,
    );
    if (policy === "warn") return result;
    if (policy === "block") {
      this.#blocked?.inc({ backend: server, check: "redaction" });
      return {
        content: [
          {
            type: "text",
            text: `The result of "${server}/${tool}" was withheld by the gateway's firewall: it contained credentials (${kinds.join(", ")}).`,
          },
        ],
        isError: true,
      };
    }
    return redacted;
  }

  /** The credential scanner of the current config (rebuilt after a reload). */
  #currentScanner(): CredentialScanner {
    const config = this.#config();
    if (this.#scannerFor !== config) {
      this.#scanner = scannerFor(config);
      this.#scannerFor = config;
    }
    return this.#scanner;
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

const SECRET_KEY = /key|token|secret|passw|auth|credential|pat$/i;

/**
 * The credential scanner of a config: built-in kinds, its `firewall.patterns`, and the secret values it
 * holds (backends' secret-named env values, URL and header credentials; webhook signing secrets, the OAuth
 * introspection secret, the embeddings key, Redis URL credentials).
 */
function scannerFor(config: GatewayConfig): CredentialScanner {
  const secrets: string[] = [];
  for (const backend of Object.values(config.backends)) {
    for (const [key, value] of Object.entries(backend.env)) if (SECRET_KEY.test(key)) secrets.push(value);
    secrets.push(...secretsOf(backend.http_url, backend.headers));
  }
  for (const hook of Object.values(config.webhooks)) secrets.push(hook.secret);
  const own = [config.auth?.oauth?.introspection?.client_secret, config.search.embeddings?.api_key];
  secrets.push(...own.filter((s): s is string => s !== undefined));
  if (config.redis) secrets.push(...secretsOf(config.redis.url));
  return new CredentialScanner({ patterns: config.firewall.patterns, secrets });
}
