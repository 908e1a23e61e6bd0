import { z } from "zod";
import { Duration } from "../failsafe/config.ts";

/** Environment variable holding the session-id signing secret when `redis.session_secret` is unset. */
export const SESSION_SECRET_ENV = "MCP_GATEWAY_SESSION_SECRET";

/**
 * True when a `redis:` section or the environment's session secret asks for a cluster. Only then is
 * `cluster.ts` (the Redis classes and their schemas) loaded: a lone gateway starts without them.
 */
export function clusterWanted(
  config: RedisConfig | undefined,
  env: Record<string, string | undefined>,
): boolean {
  return config !== undefined || Boolean(env[SESSION_SECRET_ENV]);
}

/**
 * The `redis:` section: state shared by every replica of one gateway (rate-limit buckets, budgets, circuit
 * breakers, approvals, counters, notification fan-out). Without it every replica keeps its own, in process.
 */
export const RedisConfigSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^(redis|rediss|valkey|valkeys):\/\/\S+$/, "use redis://host:port (or rediss:// for TLS)")
      .describe("Redis server, e.g. redis://redis:6379/0 (credentials: write them as a $-variable)"),
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:{}-]{1,64}$/, "letters, digits and _ . : { } - (at most 64)")
      .default("mcp-gateway:")
      .describe("Prefix of every key and channel; replicas of one gateway share it"),
    command_timeout: Duration.default(250).describe(
      "Longest wait for one Redis command; past it the call is served on local state",
    ),
    connect_timeout: Duration.default(2000).describe("Longest wait for a connection to Redis"),
    retry_interval: Duration.default(1000).describe("While Redis is unreachable, how often to try again"),
    session_secret: z
      .string()
      .min(32, "at least 32 characters (e.g. openssl rand -base64 32)")
      .max(1024)
      .optional()
      .describe(
        `HMAC key signing session ids, the same on every replica (default $${SESSION_SECRET_ENV}); write it as a $-variable`,
      ),
    session_ttl: Duration.default(86_400_000).describe(
      "How long a signed session id stays valid (any replica rebuilds the session until then)",
    ),
  })
  .describe("Shared state of a gateway run as several replicas; see docs/replicas.md");

/** The validated `redis:` section, durations in ms. */
export type RedisConfig = z.output<typeof RedisConfigSchema>;
