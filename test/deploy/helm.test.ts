import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { parseConfig } from "../../src/config/load.ts";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT, serverCommand } from "../helpers/paths.ts";
import { type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";
import { helmBinary } from "./helm-binary.ts";

const CHART = join(ROOT, "deploy/helm/mcp-gateway");
const helm = helmBinary();
if (helm.skip) console.warn(helm.skip);

type Json = Record<string, unknown>;
interface Manifest {
  kind: string;
  metadata: { name: string };
  [key: string]: unknown;
}

function runHelm(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([helm.path ?? "helm", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** `helm template rel CHART` with these `--set`/`-f` arguments, parsed into manifests. */
function render(...args: string[]): Manifest[] {
  const out = runHelm(["template", "rel", CHART, "--namespace", "team", ...args]);
  if (out.code !== 0) throw new Error(`helm template ${args.join(" ")} failed:\n${out.stderr}`);
  return parseAllDocuments(out.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function one(manifests: Manifest[], kind: string): Json {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Json;
}

function at(value: unknown, ...path: (string | number)[]): unknown {
  let here = value;
  for (const key of path) here = (here as Record<string | number, unknown> | undefined)?.[key];
  return here;
}

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  livenessProbe: Json;
  readinessProbe: Json;
  resources: { requests: Json; limits: Json };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

function container(manifests: Manifest[]): Container {
  return at(one(manifests, "Deployment"), "spec", "template", "spec", "containers", 0) as Container;
}

function secretData(manifests: Manifest[]): Record<string, string> {
  const data = at(one(manifests, "Secret"), "data") as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
}

function gatewayYaml(manifests: Manifest[]): string {
  return at(one(manifests, "ConfigMap"), "data", "gateway.yaml") as string;
}

function envRef(c: Container, name: string): { name: string; key: string } | undefined {
  return c.env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
}

const describeHelm = helm.skip ? describe.skip : describe;

describeHelm("the Helm chart (deploy/helm/mcp-gateway), rendered by Helm v4", () => {
  const running: GatewayProcess[] = [];
  afterAll(async () => {
    for (const gateway of running) gateway.proc.kill("SIGTERM");
    await Promise.all(running.map((g) => g.proc.exited));
  });

  test("helm lint passes with the default values and with overrides", () => {
    for (const args of [[], ["--set", "replicas=3", "--set", "redis.url=redis://redis:6379/0"]]) {
      const out = runHelm(["lint", "--strict", CHART, ...args]);
      expect(`${out.stdout}${out.stderr}`).toContain("0 chart(s) failed");
      expect(out.code).toBe(0);
    }
  });

  test("default values render a Deployment, Service, ConfigMap, Secret and PodDisruptionBudget", () => {
    const manifests = render();
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Secret",
      "Service",
    ]);
    expect(at(one(manifests, "Deployment"), "spec", "replicas")).toBe(2);
    expect(at(one(manifests, "PodDisruptionBudget"), "spec", "minAvailable")).toBe(1);
    const c = container(manifests);
    expect(at(c.livenessProbe, "httpGet")).toEqual({ path: "/health", port: "http" });
    expect(at(c.readinessProbe, "httpGet")).toEqual({ path: "/health/ready", port: "http" });
    expect(c.resources.requests.cpu).toBeString();
    expect(c.resources.requests.memory).toMatch(/^\d+Mi$/);
    expect(c.resources.limits.memory).toMatch(/^\d+Mi$/);
    // The figures are a measurement: values.yaml names the bench that printed them.
    expect(readFileSync(join(CHART, "values.yaml"), "utf8")).toContain("npx bun scripts/bench/replicas.ts");
    const service = one(manifests, "Service");
    expect(at(service, "spec", "ports", 0, "targetPort")).toBe("http");
    expect(at(service, "spec", "selector")).toEqual(
      at(one(manifests, "Deployment"), "spec", "selector", "matchLabels") as Json,
    );
  });

  test("the pod binds 0.0.0.0 only with an auth: section our own config parser accepts", () => {
    const manifests = render();
    const c = container(manifests);
    expect(c.args.join(" ")).toContain("--host 0.0.0.0");
    const { config } = parseConfig(gatewayYaml(manifests), {
      file: "gateway.yaml",
      env: { MCP_GATEWAY_DATA_DIR: "/var/lib/mcp-gateway" },
    });
    expect(config.auth?.keys_file).toBe("/var/lib/mcp-gateway/gateway.keys.json");
    expect(config.server.port).toBe(39400);
    expect(config.redis).toBeUndefined();
    // A generated admin key and session secret, shaped as the gateway demands, reach the pod by reference.
    const data = secretData(manifests);
    expect(data["admin-key"]).toMatch(/^mgw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(data["session-secret"]?.length).toBeGreaterThanOrEqual(32);
    expect(envRef(c, "MCP_GATEWAY_ADMIN_KEY")).toEqual({ name: "rel-mcp-gateway", key: "admin-key" });
    expect(envRef(c, "MCP_GATEWAY_SESSION_SECRET")).toEqual({
      name: "rel-mcp-gateway",
      key: "session-secret",
    });
  });

  test("replicas 3 with a Redis URL: a redis: section reading REDIS_URL from the Secret", () => {
    const url = "redis://:hunter2@redis-master.team.svc:6379/0";
    const manifests = render("--set", "replicas=3", "--set", `redis.url=${url}`);
    expect(at(one(manifests, "Deployment"), "spec", "replicas")).toBe(3);
    expect(at(one(manifests, "PodDisruptionBudget"), "spec", "minAvailable")).toBe(1);
    const text = gatewayYaml(manifests);
    expect(text).not.toContain("hunter2");
    expect(secretData(manifests)["redis-url"]).toBe(url);
    expect(envRef(container(manifests), "REDIS_URL")).toEqual({ name: "rel-mcp-gateway", key: "redis-url" });
    const { config } = parseConfig(text, {
      file: "gateway.yaml",
      env: { REDIS_URL: url, MCP_GATEWAY_DATA_DIR: "/var/lib/mcp-gateway" },
    });
    expect(config.redis?.url).toBe(url);
    expect(config.redis?.key_prefix).toBe("rel-mcp-gateway:");
    expect(config.redis?.command_timeout).toBe(250);
  });

  test("an existing Secret brings the keys file and the session secret; the chart makes none", () => {
    const manifests = render(
      "--set",
      "auth.existingSecret=team-gateway-keys",
      "--set",
      "redis.existingSecret=team-redis",
      "--set",
      "redis.options.command_timeout=100ms",
      "--set",
      "redis.keyPrefix=team:",
    );
    expect(manifests.map((m) => m.kind)).not.toContain("Secret");
    const c = container(manifests);
    expect(envRef(c, "MCP_GATEWAY_SESSION_SECRET")).toEqual({
      name: "team-gateway-keys",
      key: "session-secret",
    });
    expect(envRef(c, "MCP_GATEWAY_ADMIN_KEY")).toBeUndefined();
    expect(envRef(c, "REDIS_URL")).toEqual({ name: "team-redis", key: "redis-url" });
    expect(c.volumeMounts).toContainEqual({
      name: "keys",
      mountPath: "/etc/mcp-gateway/keys",
      readOnly: true,
    });
    const volumes = at(one(manifests, "Deployment"), "spec", "template", "spec", "volumes") as Json[];
    expect(volumes.find((v) => v.name === "keys")).toMatchObject({
      secret: {
        secretName: "team-gateway-keys",
        items: [{ key: "gateway.keys.json", path: "gateway.keys.json" }],
      },
    });
    const { config } = parseConfig(gatewayYaml(manifests), {
      file: "gateway.yaml",
      env: { REDIS_URL: "redis://redis:6379" },
    });
    expect(config.auth?.keys_file).toBe("/etc/mcp-gateway/keys/gateway.keys.json");
    expect(config.redis).toMatchObject({
      url: "redis://redis:6379",
      key_prefix: "team:",
      command_timeout: 100,
    });
  });

  test("the user's config keeps its sections; host and port are the chart's", () => {
    const dir = tempDir("mcp-gateway-helm-");
    const values = join(dir, "values.yaml");
    writeFileSync(
      values,
      `config:
  server: { host: 10.0.0.1, port: 1234, max_sessions: 50 }
  backends:
    docs: { http_url: "https://docs.example.internal/mcp", description: "Docs" }
  auth:
    profiles:
      readers: { servers: [docs] }
`,
    );
    const keysFile = join(dir, "gateway.keys.json");
    writeFileSync(keysFile, `${JSON.stringify({ version: 1, keys: [] })}\n`);
    const manifests = render("-f", values, "--set-file", `auth.keysFile=${keysFile}`);
    expect(secretData(manifests)["gateway.keys.json"]).toBe(`${JSON.stringify({ version: 1, keys: [] })}\n`);
    const { config } = parseConfig(gatewayYaml(manifests), { file: "gateway.yaml", env: {} });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 39400, max_sessions: 50 });
    expect(config.backends.docs?.http_url).toBe("https://docs.example.internal/mcp");
    expect(Object.keys(config.auth?.profiles ?? {})).toEqual(["readers"]);
    expect(config.auth?.keys_file).toBe("/etc/mcp-gateway/keys/gateway.keys.json");
  });

  test("one replica gets no PodDisruptionBudget (it would block every node drain)", () => {
    expect(render("--set", "replicas=1").map((m) => m.kind)).not.toContain("PodDisruptionBudget");
  });

  test("values the gateway would refuse at start are refused at render time", () => {
    const cases: [string[], string][] = [
      [["--set", "auth.sessionSecret=short"], "at least 32 characters"],
      [["--set", "auth.adminKey=not-a-key"], "auth.adminKey"],
      [["--set", "redis.url=http://redis:6379"], "redis.url"],
      [["--set", "replicas=2", "--set", "podDisruptionBudget.minAvailable=2"], "minAvailable must be below"],
    ];
    for (const [args, message] of cases) {
      const out = runHelm(["template", "rel", CHART, ...args]);
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain(message);
    }
  });

  test("the rendered config and Secret run a real gateway: ready, and the admin key authenticates", async () => {
    const dir = tempDir("mcp-gateway-helm-run-");
    const values = join(dir, "values.yaml");
    writeFileSync(
      values,
      `config:
  lifecycle: { lazy: false }
  backends:
    everything: { command: ${JSON.stringify(serverCommand("everything", "stdio"))} }
`,
    );
    const manifests = render("-f", values);
    const config = join(dir, "gateway.yaml");
    writeFileSync(config, gatewayYaml(manifests));
    const data = secretData(manifests);
    mkdirSync(join(dir, "data")); // the pod's emptyDir
    // As the pod runs it, except the bind: tests stay on 127.0.0.1 (the flag the chart passes is asserted above).
    const gateway = await spawnGateway(["--config", config], {
      env: {
        MCP_GATEWAY_DATA_DIR: join(dir, "data"),
        MCP_GATEWAY_ADMIN_KEY: data["admin-key"] ?? "",
        MCP_GATEWAY_SESSION_SECRET: data["session-secret"] ?? "",
      },
    });
    running.push(gateway);
    const ready = await waitFor("/health/ready to answer 200", async () => {
      const response = await fetch(new URL("/health/ready", gateway.url));
      return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
    });
    expect(ready.status).not.toBe("starting");
    const anonymous = (await (await fetch(new URL("/health", gateway.url))).json()) as Json;
    expect(Object.keys(anonymous)).toEqual(["status"]);
    const headers = { authorization: `Bearer ${data["admin-key"]}` };
    const admin = (await (await fetch(new URL("/health", gateway.url), { headers })).json()) as Json;
    expect(at(admin, "backends", "everything", "status")).toBe("running");
    expect(at(admin, "cluster", "portableSessions")).toBe(true);
    const refused = await fetch(new URL("/mcp", gateway.url), { method: "POST", body: "{}" });
    expect(refused.status).toBe(401);
  }, 60_000);
});
