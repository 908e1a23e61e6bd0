import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import type { RedisConfig } from "../../src/cluster/config.ts";
import { RedisLink } from "../../src/cluster/redis-link.ts";
import { RedisRoundRelay } from "../../src/cluster/round-relay.ts";
import { isGatewayError } from "../../src/errors.ts";
import { type AskFn, InputRounds } from "../../src/server/input-rounds.ts";
import { waitFor } from "../helpers/process.ts";
import { MISSING, RedisServer } from "./harness.ts";

// Two replicas' input rounds in one process, each on its own link to a real redis-server: what a
// forwarded retry does when the replica holding its call answers, goes silent, or is asked to stop.

const describeCluster = MISSING ? describe.skip : describe;
const SILENCE_MS = 300;
const quiet = { warn() {}, info() {} };

describeCluster("a 2026-07-28 retry forwarded over redis to the replica holding its call", () => {
  let redis: RedisServer;
  const links: RedisLink[] = [];
  const probes: RedisClient[] = [];

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
  });
  afterAll(async () => {
    for (const link of links) link.close();
    for (const probe of probes) probe.close();
    await redis?.stop();
  });

  /** One replica: its link, relay and rounds. */
  async function replica(name: string): Promise<{ link: RedisLink; rounds: InputRounds }> {
    const config = {
      url: redis.url,
      key_prefix: `relay-${process.pid}:`,
      command_timeout: 250,
      connect_timeout: 2000,
      retry_interval: 200,
      session_ttl: 60_000,
    } satisfies RedisConfig;
    const link = new RedisLink(config, { log: quiet });
    links.push(link);
    const rounds = new InputRounds({ remote: new RedisRoundRelay(link, name, { silenceMs: SILENCE_MS }) });
    await link.start();
    expect(link.up).toBe(true);
    return { link, rounds };
  }

  /** The reply types the owner publishes to replica `asker` (heard on a probe connection of its own). */
  async function replies(asker: string): Promise<string[]> {
    const heard: string[] = [];
    const probe = new RedisClient(redis.url);
    probes.push(probe);
    await probe.subscribe(`relay-${process.pid}:round-replies:${asker}`, (message) => {
      heard.push((JSON.parse(message) as { type: string }).type);
    });
    return heard;
  }

  /** "pending" while the promise has not settled yet. */
  const pending = (promise: Promise<unknown>): Promise<unknown> =>
    Promise.race([promise, Promise.resolve("pending")]);

  /** Parks a call on `owner` that asks once; resolves with its state and the signal the call runs under. */
  async function parked(
    owner: InputRounds,
    after: (answer: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>,
  ): Promise<{ state: string; signal: Promise<AbortSignal> }> {
    let seen: (signal: AbortSignal) => void = () => undefined;
    const signal = new Promise<AbortSignal>((resolve) => {
      seen = resolve;
    });
    const call = owner.begin("alice", async (ask: AskFn, callSignal) => {
      seen(callSignal);
      return after(await ask("elicitation/create", { message: "name?" }, callSignal), callSignal);
    });
    const outcome = await owner.round(call, new AbortController().signal);
    if (outcome.kind !== "input") throw new Error("expected input_required");
    return { state: outcome.state, signal };
  }

  test("the owner's outcome comes back; the state names the owner and binds the caller", async () => {
    const a = await replica("aaaa1111");
    const b = await replica("bbbb2222");
    const { state } = await parked(a.rounds, async (answer) => ({
      content: [{ type: "text", text: JSON.stringify(answer) }],
    }));
    expect(state.startsWith("mcp-gateway:aaaa1111.")).toBe(true);
    // Another caller's retry is refused by the owner, as an unknown state.
    const foreign = b.rounds.resume(state, "mallory");
    foreign.answer({ "input-1": { action: "accept" } });
    const refused = await b.rounds.round(foreign, new AbortController().signal).catch((e: unknown) => e);
    expect(isGatewayError(refused, "USAGE")).toBe(true);
    const call = b.rounds.resume(state, "alice");
    call.answer({ "input-1": { action: "accept", content: { name: "ada" } } });
    const outcome = await b.rounds.round(call, new AbortController().signal);
    expect(outcome).toEqual({
      kind: "complete",
      result: { content: [{ type: "text", text: '{"action":"accept","content":{"name":"ada"}}' }] },
    });
  });

  test("a long round stays alive on heartbeats; an owner gone silent fails the retry within the bound", async () => {
    const a = await replica("aaaa3333");
    const b = await replica("bbbb4444");
    const { state } = await parked(a.rounds, () => new Promise(() => undefined));
    const call = b.rounds.resume(state, "alice");
    call.answer({ "input-1": { action: "accept" } });
    const heard = await replies("bbbb4444");
    const round = b.rounds.round(call, new AbortController().signal).catch((e: unknown) => e);
    // Heartbeats past several silences' worth keep the retry waiting for the running call.
    await waitFor("four heartbeats", () => heard.filter((t) => t === "alive").length >= 4 || undefined, 5000);
    expect(heard[0]).toBe("accepted");
    expect(await pending(round)).toBe("pending");
    a.link.close();
    const stopped = Date.now();
    const error = await round;
    expect(isGatewayError(error, "BACKEND_UNAVAILABLE")).toBe(true);
    expect(String((error as Error).message)).toContain("went silent");
    expect(Date.now() - stopped).toBeLessThan(SILENCE_MS * 3);
  });

  test("a client giving up on the forwarded retry cancels the call on the owner", async () => {
    const a = await replica("aaaa5555");
    const b = await replica("bbbb6666");
    const { state, signal } = await parked(a.rounds, () => new Promise(() => undefined));
    const call = b.rounds.resume(state, "alice");
    call.answer({ "input-1": { action: "accept" } });
    const client = new AbortController();
    const heard = await replies("bbbb6666");
    const round = b.rounds.round(call, client.signal).catch((e: unknown) => e);
    const callSignal = await signal;
    // Accepted and running on the owner before the client leaves.
    await waitFor("the owner to accept", () => heard.includes("accepted") || undefined, 5000);
    expect(await pending(round)).toBe("pending");
    client.abort(new Error("client left"));
    expect(String(await round)).toContain("client left");
    await new Promise<void>((resolve, reject) => {
      if (callSignal.aborted) resolve();
      callSignal.addEventListener("abort", () => resolve(), { once: true });
      setTimeout(() => reject(new Error("the owner's call was not cancelled within 2s")), 2000);
    });
  });
});
