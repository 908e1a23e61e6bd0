import { randomToken } from "../digest.ts";
import { GatewayError } from "../errors.ts";
import { clusterWanted, type RedisConfig, SESSION_SECRET_ENV } from "./config.ts";
import { RedisFanOut } from "./hub-fan-out.ts";
import { type LinkLog, RedisLink } from "./redis-link.ts";
import { RedisRoundRelay } from "./round-relay.ts";
import { RedisSessionRelay } from "./session-relay.ts";
import { RedisSessionRevocations } from "./session-revocations.ts";
import { SessionSigner } from "./session-token.ts";
import { RedisApprovals } from "./shared-approvals.ts";
import { RedisBuckets } from "./shared-buckets.ts";
import { RedisBudgets } from "./shared-budgets.ts";
import { RedisCircuits } from "./shared-circuits.ts";
import { RedisCounters } from "./shared-counters.ts";
import { RedisTasks } from "./shared-tasks.ts";

/** What /health shows about the shared state. */
export interface ClusterSnapshot {
  /** `up`: shared through Redis; `down`: Redis unreachable, serving on local state; `off`: no `redis:`. */
  redis: "up" | "down" | "off";
  /** True when session ids are signed, so any replica serves a 2025-11-25 session. */
  portableSessions: boolean;
}

/** Options of {@link Cluster.fromConfig}. */
export interface ClusterOptions {
  log: LinkLog;
  /** Where `MCP_GATEWAY_SESSION_SECRET` is read. @default process.env */
  env?: Record<string, string | undefined>;
  /** Clock for session-id expiry, ms since epoch. @default Date.now */
  now?: () => number;
}

/**
 * A gateway's share in a group of replicas: the Redis link and what travels over it, and the signer of
 * session ids. Every part is optional: with neither `redis:` nor a session secret there is no cluster and
 * everything stays in process.
 */
export class Cluster {
  /** This replica's name on the channels (its own messages come back and are skipped). */
  readonly origin = randomToken(8, "hex");
  readonly link: RedisLink | undefined;
  readonly signer: SessionSigner | undefined;
  readonly buckets: RedisBuckets | undefined;
  readonly circuits: RedisCircuits | undefined;
  readonly budgets: RedisBudgets | undefined;
  readonly fanOut: RedisFanOut | undefined;
  readonly approvals: RedisApprovals | undefined;
  readonly counters: RedisCounters | undefined;
  readonly revocations: RedisSessionRevocations | undefined;
  /** 2025 sessions' answers and cancellations that reach another replica than the one that asked. */
  readonly sessionRelay: RedisSessionRelay | undefined;
  /** 2026-07-28 retries of input rounds another replica holds. */
  readonly roundRelay: RedisRoundRelay | undefined;
  /** Relayed tasks' routes (task id → owning backend), so any replica answers tasks/get. */
  readonly tasks: RedisTasks | undefined;

  private constructor(link: RedisLink | undefined, signer: SessionSigner | undefined) {
    this.link = link;
    this.signer = signer;
    this.buckets = link ? new RedisBuckets(link) : undefined;
    this.circuits = link ? new RedisCircuits(link, this.origin) : undefined;
    this.budgets = link ? new RedisBudgets(link) : undefined;
    this.fanOut = link ? new RedisFanOut(link, this.origin) : undefined;
    this.approvals = link ? new RedisApprovals(link, this.origin) : undefined;
    this.counters = link ? new RedisCounters(link) : undefined;
    this.revocations = link ? new RedisSessionRevocations(link, this.origin) : undefined;
    this.sessionRelay = link ? new RedisSessionRelay(link, this.origin) : undefined;
    this.roundRelay = link ? new RedisRoundRelay(link, this.origin) : undefined;
    this.tasks = link ? new RedisTasks(link) : undefined;
  }

  /** The cluster a config asks for, or undefined when it asks for none. */
  static fromConfig(config: RedisConfig | undefined, options: ClusterOptions): Cluster | undefined {
    const env = options.env ?? process.env;
    if (!clusterWanted(config, env)) return undefined;
    const secret = config?.session_secret ?? env[SESSION_SECRET_ENV];
    if (secret !== undefined && secret.length < 32) {
      throw new GatewayError(
        "CONFIG_INVALID",
        `${SESSION_SECRET_ENV} is ${secret.length} characters long; use at least 32 (e.g. openssl rand -base64 32)`,
      );
    }
    const signer = secret
      ? new SessionSigner(secret, {
          ttlMs: config?.session_ttl ?? 86_400_000,
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined;
    return new Cluster(config ? new RedisLink(config, { log: options.log }) : undefined, signer);
  }

  /** Connects to Redis in the background (never throws; a down Redis is retried). */
  start(): Promise<void> {
    return this.link?.start() ?? Promise.resolve();
  }

  snapshot(): ClusterSnapshot {
    return {
      redis: this.link ? (this.link.up ? "up" : "down") : "off",
      portableSessions: this.signer !== undefined,
    };
  }

  /** Sends the last counts (bounded by `command_timeout`) and disconnects. */
  async close(): Promise<void> {
    this.counters?.close();
    await this.counters?.flush();
    this.link?.close();
  }
}
