import { dirname } from "node:path";
import type { AuthConfig } from "../config/schema.ts";
import { watchFile } from "../config/watch.ts";
import { errorMessage, GatewayError } from "../errors.ts";
import { type AcquireResult, TokenBucket } from "../failsafe/rate-limit.ts";
import type { SharedBuckets } from "../failsafe/shared-state.ts";
import type { CallContext, Principal } from "../gateway/call-context.ts";
import type { AccessTarget, AuditRecord, GatewayHooks } from "../gateway/hooks.ts";
import { log } from "../log.ts";
import { AuditLog, auditLogPath } from "./audit-log.ts";
import { type Authentication, BearerTokens } from "./bearer.ts";
import { Budgets, type SharedBudgets } from "./budget.ts";
import { KEY_PREFIX, KeyStore, type KeyStoreOptions, readKeyFile } from "./keys.ts";
import type { TokenVerifierOptions } from "./oauth.ts";
import { type Access, allows, compileAccess } from "./scopes.ts";
import { limitsOf, SessionSandbox } from "./session-limits.ts";

/** Options of {@link Auth}. */
export interface AuthOptions extends KeyStoreOptions {
  /** The keys file (see `keysFilePath`). */
  keysPath: string;
  /** Clock for per-principal rate limits, ms. @default performance.now */
  now?: () => number;
  /** How OAuth tokens are checked (fetch, wall clock). @default the real ones */
  oauth?: TokenVerifierOptions;
  /** Relative `auth.audit.file` paths start here. @default the keys file's folder */
  configDir?: string;
  /** Where the day's budget spending is kept. @default budgets.json in the user data dir */
  budgetPath?: string;
  /** Wall clock for budgets (the UTC day) and session durations, ms. @default Date.now */
  wallClock?: () => number;
}

/**
 * Authentication and access for one gateway: API keys from the keys file (re-read when it changes), the
 * profiles of the `auth:` section, and the hooks that enforce them on the one request path.
 */
export class Auth {
  #config: AuthConfig;
  #keys: KeyStore;
  #access = new WeakMap<Principal, Access>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #options: AuthOptions;
  readonly #listeners = new Set<() => void>();
  #bearer: BearerTokens | undefined;
  #bearerConfig: AuthConfig["oauth"];
  #audit: AuditLog | undefined;
  #budgets: Budgets | undefined;
  readonly #sandbox: SessionSandbox;
  #shared: { buckets?: SharedBuckets | undefined; budgets?: SharedBudgets | undefined } = {};

  /** @throws GatewayError CONFIG_INVALID when the keys file is unreadable */
  constructor(config: AuthConfig, options: AuthOptions) {
    this.#config = config;
    this.#options = options;
    this.#keys = this.#load();
    this.#bearer = config.oauth ? new BearerTokens(config.oauth, options.oauth) : undefined;
    this.#bearerConfig = config.oauth;
    this.#sandbox = new SessionSandbox(options.wallClock);
    this.#audit = this.#auditLog(config);
    this.#budgets = this.#budgetsOf(config);
  }

  /**
   * Shares per-key rate limits and daily budgets with the other replicas (see `src/cluster/`); until then,
   * and while the shared store is away, this process keeps its own.
   */
  share(shared: { buckets?: SharedBuckets | undefined; budgets?: SharedBudgets | undefined }): void {
    this.#shared = shared;
  }

  /** The audit log, when `auth.audit` is configured. */
  get auditLog(): AuditLog | undefined {
    return this.#audit;
  }

  /** Daily budgets, when `auth.budget` is configured. */
  get budgets(): Budgets | undefined {
    return this.#budgets;
  }

  /** Writes what the audit log and the budgets hold; call on shutdown. */
  close(): void {
    this.#audit?.close();
    this.#budgets?.close();
  }

  /** OAuth access tokens (the `auth.oauth` section), when configured. */
  get oauth(): BearerTokens | undefined {
    return this.#bearer;
  }

  /** The configured profiles. */
  get profiles(): AuthConfig["profiles"] {
    return this.#config.profiles;
  }

  /** The keys file this reads. */
  get keysPath(): string {
    return this.#options.keysPath;
  }

  /** How many keys are current. */
  get keyCount(): number {
    return this.#keys.size;
  }

  /** The principal a credential (an API key) stands for, or undefined. */
  authenticate(credential: string): Promise<Principal | undefined> {
    return this.#keys.authenticate(credential);
  }

  /**
   * Who a request's credential stands for: an API key (`mgw_…`), else an OAuth access token for the
   * endpoint at `path`, when `auth.oauth` is configured.
   */
  async authenticateRequest(credential: string, path: string): Promise<Authentication> {
    if (credential.startsWith(KEY_PREFIX) || !this.#bearer) {
      const principal = await this.#keys.authenticate(credential);
      return principal
        ? { ok: true, principal }
        : {
            ok: false,
            error: "invalid_token",
            description: "the API key is not valid (revoked, rotated or mistyped)",
          };
    }
    return this.#bearer.authenticate(credential, path);
  }

  /** Applies a new `auth:` section (profiles, OAuth settings); keys stay. */
  update(config: AuthConfig): void {
    this.#config = config;
    this.#access = new WeakMap();
    if (JSON.stringify(config.oauth) !== JSON.stringify(this.#bearerConfig)) {
      this.#bearer = config.oauth ? new BearerTokens(config.oauth, this.#options.oauth) : undefined;
    }
    this.#bearerConfig = config.oauth;
    if (JSON.stringify(config.audit) !== JSON.stringify(this.#auditConfig)) {
      this.#audit?.close();
      this.#audit = this.#auditLog(config);
    }
    if (JSON.stringify(config.budget) !== JSON.stringify(this.#budgetConfig)) {
      this.#budgets?.close();
      this.#budgets = this.#budgetsOf(config);
    }
  }

  #auditConfig: AuthConfig["audit"];
  #budgetConfig: AuthConfig["budget"];

  #auditLog(config: AuthConfig): AuditLog | undefined {
    this.#auditConfig = config.audit;
    if (!config.audit) return undefined;
    const dir = this.#options.configDir ?? dirname(this.#options.keysPath);
    return new AuditLog(auditLogPath(dir, config.audit.file), {
      maxSize: config.audit.max_size,
      keep: config.audit.keep,
    });
  }

  #budgetsOf(config: AuthConfig): Budgets | undefined {
    this.#budgetConfig = config.budget;
    if (!config.budget) return undefined;
    return new Budgets(config.budget, {
      ...(this.#options.budgetPath ? { path: this.#options.budgetPath } : {}),
      ...(this.#options.wallClock ? { now: this.#options.wallClock } : {}),
    });
  }

  /** Re-reads the keys file; a broken file is logged and the keys before it stay. */
  reloadKeys(): void {
    try {
      this.#keys = this.#load();
      this.#buckets.clear();
      log.info(`keys reloaded: ${this.#keys.size} key(s) from ${this.keysPath}`);
    } catch (error) {
      log.error(`keys reload rejected; the previous keys stay: ${errorMessage(error)}`);
    }
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after each reload of the keys file; returns its removal. */
  onReload(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the keys file whenever it changes; returns the stop. */
  watch(): () => void {
    return watchFile(this.keysPath, () => this.reloadKeys(), {
      onSkip: (reason) => log.warn(`keys reload skipped: ${this.keysPath} ${reason}`),
    });
  }

  /** The checks on the gateway's request path, and the audit trail. */
  hooks(): Required<Pick<GatewayHooks, "access" | "visible" | "restricts" | "audit">> {
    return {
      access: (ctx, target) => this.#check(ctx, target),
      audit: (record: AuditRecord) => this.#audit?.write(record),
      visible: (principal, target) => principal.scopes === undefined || allows(this.#of(principal), target),
      restricts: (principal) => principal.scopes !== undefined && !this.#of(principal).admin,
    };
  }

  #check(ctx: CallContext, target: AccessTarget): void | Promise<void> {
    const principal = ctx.principal;
    this.#limit(ctx, target);
    if (principal.scopes !== undefined && !allows(this.#of(principal), target)) {
      const what = target.kind === "tool" ? `${target.server}/${target.name}` : target.name;
      throw new GatewayError("ACCESS_DENIED", `"${what}" is not allowed for this client.`);
    }
    const rate = principal.scopes === undefined ? undefined : principal.rate;
    if (this.#shared.buckets || this.#shared.budgets) return this.#checkShared(principal, target, rate);
    if (rate !== undefined) this.#refuseOver(rate, this.#bucket(principal.id, rate).tryAcquire());
    this.#charge(principal, target);
  }

  /** The same checks against the buckets and budgets every replica shares. */
  async #checkShared(principal: Principal, target: AccessTarget, rate: number | undefined): Promise<void> {
    const { buckets, budgets } = this.#shared;
    if (rate !== undefined) {
      const limit = { requestsPerSecond: rate, burst: Math.max(1, rate) };
      const taken =
        (await buckets?.take(`principal:${principal.id}`, limit)) ??
        this.#bucket(principal.id, rate).tryAcquire();
      this.#refuseOver(rate, taken);
    }
    if (target.kind !== "tool" || !this.#budgets) return;
    if (budgets) await this.#budgets.chargeShared(principal.id, target.server, target.name, budgets);
    else this.#charge(principal, target);
  }

  #bucket(id: string, rate: number): TokenBucket {
    let bucket = this.#buckets.get(id);
    if (!bucket) {
      bucket = new TokenBucket({
        requestsPerSecond: rate,
        ...(this.#options.now ? { now: this.#options.now } : {}),
      });
      this.#buckets.set(id, bucket);
    }
    return bucket;
  }

  #refuseOver(rate: number, taken: AcquireResult): void {
    if (!taken.ok) {
      throw new GatewayError(
        "RATE_LIMITED",
        `this client may make ${rate} request(s) per second; retry in ${taken.retryAfterMs} ms`,
      );
    }
  }

  /** Session sandbox: the strictest max_calls / max_duration of `auth.sessions` and the profiles. */
  #limit(ctx: CallContext, target: AccessTarget): void {
    const limits = limitsOf(ctx.principal, this.#config.sessions, this.#config.profiles);
    this.#sandbox.check(ctx.session, limits, target.kind === "tool");
  }

  /** The call's cost against the principal's daily budget (tool calls only), after every other check. */
  #charge(principal: Principal, target: AccessTarget): void {
    if (target.kind === "tool") this.#budgets?.charge(principal.id, target.server, target.name);
  }

  #of(principal: Principal): Access {
    let access = this.#access.get(principal);
    if (!access) {
      access = compileAccess(principal.scopes ?? [], this.#config.profiles);
      if (access.unknownProfiles.length > 0) {
        log.warn(
          `${principal.id}: scope profile:${access.unknownProfiles.join(", profile:")} names no profile in auth.profiles; it grants nothing`,
        );
      }
      this.#access.set(principal, access);
    }
    return access;
  }

  #load(): KeyStore {
    const { verify, maxCached } = this.#options;
    return new KeyStore(readKeyFile(this.keysPath), {
      ...(verify ? { verify } : {}),
      ...(maxCached !== undefined ? { maxCached } : {}),
    });
  }
}
