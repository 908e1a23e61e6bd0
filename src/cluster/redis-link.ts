import { RedisClient } from "bun";
import { errorMessage } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import type { RedisConfig } from "./config.ts";

/** Where the link reports going down and coming back (once each). */
export interface LinkLog {
  warn(message: string): void;
  info(message: string): void;
}

/** Options of {@link RedisLink}. */
export interface RedisLinkOptions {
  log: LinkLog;
  /** Makes the client (tests hand in their own). @default a Bun `RedisClient` on `config.url` */
  createClient?: (url: string, connectTimeoutMs: number) => RedisClient;
}

type Listener = (message: string) => void;

/** A Lua script run by its SHA-1 (loaded again after a Redis restart). */
export interface RedisScript {
  source: string;
  sha: string;
}

/** A script ready for {@link RedisLink.script}. */
export function redisScript(source: string): RedisScript {
  return { source, sha: new Bun.CryptoHasher("sha1").update(source).digest("hex") };
}

/**
 * One gateway's connection to Redis, built so that Redis can never stall a call: every command is bounded
 * by `command_timeout`, nothing queues while disconnected, and after a failure the link is *down* — callers
 * get `undefined` at once and serve on local state — until a background PING (every `retry_interval`)
 * succeeds. Going down and coming back are logged once each. Channel subscriptions are renewed on recovery
 * (Bun's client reconnects but forgets them).
 */
export class RedisLink {
  readonly prefix: string;
  readonly #config: RedisConfig;
  readonly #options: RedisLinkOptions;
  readonly #client: RedisClient;
  #subscriber: RedisClient | undefined;
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #recoverListeners = new Set<() => void>();
  #up = false;
  #everUp = false;
  #closed = false;
  #retry: ReturnType<typeof setInterval> | undefined;
  #probing = false;
  #warned = false;

  constructor(config: RedisConfig, options: RedisLinkOptions) {
    this.#config = config;
    this.#options = options;
    this.prefix = config.key_prefix;
    this.#client = this.#newClient();
  }

  /** True while commands go to Redis; false while callers use local state. */
  get up(): boolean {
    return this.#up;
  }

  /** Where Redis is, credentials and query masked (for logs and /health). */
  get where(): string {
    return redactUrl(this.#config.url);
  }

  /** Connects (bounded by `connect_timeout`); a failure leaves the link down and retrying, never throws. */
  async start(): Promise<void> {
    this.#retry ??= setInterval(() => void this.#probe(), this.#config.retry_interval);
    this.#retry.unref?.();
    await this.#probe();
  }

  /**
   * Runs one command, or returns undefined (the caller serves locally) when the link is down, the command
   * fails or it takes longer than `command_timeout`.
   */
  async send(command: string, args: string[]): Promise<unknown> {
    if (!this.#up) return undefined;
    try {
      return await this.#command(command, args);
    } catch {
      return undefined;
    }
  }

  /**
   * Runs a Lua script by its hash, loading it after a Redis restart emptied the script cache; undefined
   * as for {@link send}.
   */
  async script(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    if (!this.#up) return undefined;
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.#command("EVALSHA", [script.sha, ...tail]);
    } catch (error) {
      if (!/NOSCRIPT/.test(errorMessage(error))) return undefined;
      try {
        return await this.#command("EVAL", [script.source, ...tail]);
      } catch {
        return undefined;
      }
    }
  }

  async #command(command: string, args: string[]): Promise<unknown> {
    try {
      return await this.#bounded(this.#client.send(command, args), this.#config.command_timeout, command);
    } catch (error) {
      // An error reply is the command's (a script bug, NOSCRIPT), not an outage: the link stays up.
      if ((error as { code?: string }).code === "ERR_REDIS_SERVER_ERROR") {
        if (!/NOSCRIPT/.test(errorMessage(error))) {
          this.#options.log.warn(`redis: ${command} failed: ${errorMessage(error)}`);
        }
      } else this.#down(error);
      throw error;
    }
  }

  /** Publishes without waiting (dropped while down: the other replicas catch up from the keys). */
  publish(channel: string, message: string): void {
    if (!this.#up) return;
    void this.#bounded(
      this.#client.publish(this.prefix + channel, message),
      this.#config.command_timeout,
      "PUBLISH",
    ).catch((error: unknown) => this.#down(error));
  }

  /** Calls `listener` with each message on `channel` (under the key prefix), across reconnects. */
  subscribe(channel: string, listener: Listener): void {
    const listeners = this.#channels.get(channel) ?? new Set();
    listeners.add(listener);
    this.#channels.set(channel, listeners);
    if (this.#up && this.#subscriber && listeners.size === 1) void this.#listen(this.#subscriber, channel);
  }

  /** Calls `listener` each time the link comes back after being down (re-read shared state then). */
  onRecover(listener: () => void): () => void {
    this.#recoverListeners.add(listener);
    return () => this.#recoverListeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#up = false;
    clearInterval(this.#retry);
    this.#client.close();
    this.#subscriber?.close();
  }

  #newClient(): RedisClient {
    const make =
      this.#options.createClient ??
      ((url: string, connectTimeoutMs: number) =>
        new RedisClient(url, {
          connectionTimeout: connectTimeoutMs,
          // Queued commands would wait for a reconnect: fail them at once, the caller has local state.
          enableOfflineQueue: false,
          autoReconnect: true,
          maxRetries: 4_294_967_295,
        }));
    const client = make(this.#config.url, this.#config.connect_timeout);
    client.onclose = (error) => {
      if (!this.#closed) this.#down(error);
    };
    return client;
  }

  async #probe(): Promise<void> {
    // A quiet link learns of an outage from the client's own state, before any call has to fail.
    if (this.#up && (!this.#client.connected || this.#subscriber?.connected === false)) {
      this.#down(new Error("connection lost"));
    }
    if (this.#up || this.#probing || this.#closed) return;
    this.#probing = true;
    try {
      if (!this.#client.connected) {
        await this.#bounded(this.#client.connect(), this.#config.connect_timeout, "connect");
      }
      await this.#bounded(this.#client.send("PING", []), this.#config.command_timeout, "PING");
      await this.#resubscribe();
      if (this.#closed) return;
      this.#up = true;
      this.#warned = false;
      if (this.#everUp) this.#options.log.info(`redis at ${this.where} is back: shared state resumes`);
      else this.#options.log.info(`redis at ${this.where}: replicas share state`);
      this.#everUp = true;
      for (const listener of this.#recoverListeners) listener();
    } catch (error) {
      this.#down(error);
    } finally {
      this.#probing = false;
    }
  }

  async #resubscribe(): Promise<void> {
    this.#subscriber?.close();
    this.#subscriber = undefined;
    const subscriber = await this.#bounded(this.#client.duplicate(), this.#config.connect_timeout, "connect");
    subscriber.onclose = (error) => {
      if (!this.#closed && this.#subscriber === subscriber) this.#down(error);
    };
    this.#subscriber = subscriber;
    for (const channel of this.#channels.keys()) await this.#listen(subscriber, channel);
  }

  async #listen(subscriber: RedisClient, channel: string): Promise<void> {
    await this.#bounded(
      subscriber.subscribe(this.prefix + channel, (message) => {
        for (const listener of this.#channels.get(channel) ?? []) listener(message);
      }),
      this.#config.command_timeout,
      "SUBSCRIBE",
    );
  }

  #down(error: unknown): void {
    const wasUp = this.#up;
    this.#up = false;
    // Once per outage: the first failure after being up (or of the very first connect).
    if (wasUp || !this.#warned) {
      this.#options.log.warn(
        `redis at ${this.where} unreachable (${errorMessage(error)}): serving on this replica's own state until it is back`,
      );
    }
    this.#warned = true;
  }

  #bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms}ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
