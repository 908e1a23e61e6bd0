import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Auth } from "../../src/auth/auth.ts";
import { type CertificateSubject, ClientCertificates } from "../../src/auth/client-certs.ts";
import { addKey } from "../../src/auth/manage.ts";
import { parseConfig } from "../../src/config/load.ts";
import { GatewayCore } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { type MutualTls, startMutualTls } from "../../src/server/http/mtls.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-mtls-");
const pem = (name: string): string => readFileSync(join(dir, name), "utf8");

/** openssl in the test's folder; a failure throws with its stderr. */
function openssl(...args: string[]): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe", stdout: "ignore" });
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr.toString()}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A CA (self-signed) named `name`. */
function makeCa(name: string): void {
  const out = `-keyout ${name}.key -out ${name}.crt -days 1 -subj /CN=${name}`;
  openssl("req", "-x509", ...EC, ...out.split(" "));
}

/** A certificate for `subject` (no spaces), signed by the CA `ca`, with optional extensions. */
function makeCert(name: string, subject: string, ca: string, extensions?: string): void {
  openssl("req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
  const ext = extensions ? ["-extfile", `${name}.ext`] : [];
  if (extensions) writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  const sign = `-req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${name}.crt -days 1`;
  openssl("x509", ...sign.split(" "), ...ext);
}

interface Tls {
  ca?: string;
  cert?: string;
  key?: string;
}
const client = (name: string): Tls => ({
  ca: pem("ca.crt"),
  cert: pem(`${name}.crt`),
  key: pem(`${name}.key`),
});

let gateway: Gateway;
let auth: Auth;
let required: HttpFrontEnd;
let optional: HttpFrontEnd;
let keysPath: string;

beforeAll(async () => {
  makeCa("ca");
  makeCa("other-ca");
  makeCert("server", "/CN=127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1");
  makeCert("ci-bot", "/O=Acme/CN=ci-bot", "ca");
  makeCert("ops", "/O=Acme/CN=ops", "ca");
  makeCert("stranger", "/CN=stranger", "ca");
  makeCert("forged", "/O=Acme/CN=ci-bot", "other-ca");

  const { config } = parseConfig(
    `
auth: {}
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`,
    { file: "test.yaml" },
  );
  config.lifecycle.cache_dir = join(dir, "cache");
  keysPath = join(dir, "gateway.keys.json");
  auth = new Auth(config.auth ?? { profiles: {} }, { keysPath });
  gateway = new Gateway(new GatewayCore(config), auth.hooks());
  gateway.start();
  await gateway.ready;
  const clients = new ClientCertificates({
    "CN=ci-bot": { scopes: ["everything/echo"] },
    "CN=ops, O=Acme": { scopes: ["admin"] },
  });
  const tls = { cert: pem("server.crt"), key: pem("server.key"), ca: pem("ca.crt"), clients };
  const start = (requireCert: boolean) =>
    startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "transparent" },
      auth,
      tls: { ...tls, requireCert },
    });
  required = start(true);
  optional = start(false);
});

afterAll(async () => {
  await Promise.all([required?.stop(), optional?.stop()]);
  await gateway?.stop();
  auth?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(url: URL, tls: Tls, headers: Record<string, string> = {}): Promise<Client> {
  const sdk = new Client({ name: "mtls-test", version: "1.0.0" });
  await sdk.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", url), {
      requestInit: { headers },
      fetch: (input, init) => fetch(input, { ...init, tls }),
    }),
  );
  return sdk;
}

/** The request's outcome: its status, or the error that ended the connection. */
async function statusOf(url: URL, tls: Tls, path = "/health"): Promise<number | string> {
  try {
    const response = await fetch(new URL(path, url), { tls });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

describe("mutual TLS", () => {
  test("serves HTTPS on the front end's URL", () => {
    expect(required.url.protocol).toBe("https:");
  });

  test("a client certificate's subject is its principal: only its tools are listed and callable", async () => {
    const sdk = await connect(required.url, client("ci-bot"));
    try {
      const listed = await sdk.listTools();
      expect(listed.tools.map((t) => t.name)).toEqual(["everything__echo"]);
      const echoed = await sdk.callTool({ name: "everything__echo", arguments: { message: "hi" } });
      expect(echoed.isError).not.toBe(true);
      const refused = await sdk.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } });
      expect(refused.isError).toBe(true);
    } finally {
      await sdk.close();
    }
  });

  test("the entry naming the most attributes wins: O=Acme, CN=ops is admin", async () => {
    expect(await statusOf(required.url, client("ops"), "/metrics")).toBe(200);
    expect(await statusOf(required.url, client("ci-bot"), "/metrics")).toBe(403);
    const sdk = await connect(required.url, client("ops"));
    try {
      expect((await sdk.listTools()).tools.length).toBeGreaterThan(1);
    } finally {
      await sdk.close();
    }
  });

  test("without a certificate, the handshake is refused", async () => {
    expect(String(await statusOf(required.url, { ca: pem("ca.crt") }))).toStartWith("refused");
  });

  test("a certificate from another CA is refused, whatever its subject says", async () => {
    expect(String(await statusOf(required.url, client("forged")))).toStartWith("refused");
  });

  test("a verified certificate no entry maps authenticates nobody: /mcp answers 401", async () => {
    expect(await statusOf(required.url, client("stranger"), "/mcp")).toBe(401);
    expect(await statusOf(required.url, client("stranger"), "/health")).toBe(200);
  });

  test("optional: a client without a certificate may use a key, and is 401 without one", async () => {
    expect(await statusOf(optional.url, { ca: pem("ca.crt") }, "/mcp")).toBe(401);
    const key = await addKey(keysPath, "laptop", { scopes: ["everything/echo"] });
    auth.reloadKeys();
    const sdk = await connect(optional.url, { ca: pem("ca.crt") }, { authorization: `Bearer ${key}` });
    try {
      expect((await sdk.listTools()).tools.map((t) => t.name)).toEqual(["everything__echo"]);
    } finally {
      await sdk.close();
    }
    // A forged certificate is not verified, so it stands for nobody, even in optional mode.
    expect(await statusOf(optional.url, client("forged"), "/mcp")).toBe(401);
  });
});

describe("serve with server.tls", () => {
  test("reads the PEM files beside the config and serves HTTPS with client certificates", async () => {
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      [
        "auth: {}",
        "server:",
        "  tls: { cert: server.crt, key: server.key, client_ca: ca.crt, clients: { 'CN=ops': { scopes: [admin] } } }",
        "backends: {}",
        "",
      ].join("\n"),
    );
    const proc = Bun.spawn([BUN, ENTRY, "serve", "--port", "0", "--config", config], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      env: childEnv(),
    });
    let stderr = "";
    try {
      const decoder = new TextDecoder();
      // Keep reading stderr to the end: leaving a `for await` cancels the stream, and the gateway's next
      // log line then hits a closed pipe and ends the process (exit 1, nothing said) mid-test.
      const { promise: listening, resolve } = Promise.withResolvers<URL | undefined>();
      const drained = (async () => {
        for await (const chunk of proc.stderr) {
          stderr += decoder.decode(chunk, { stream: true });
          const match = /listening on (https?:\/\/\S+)\/mcp/.exec(stderr);
          if (match?.[1]) resolve(new URL(match[1]));
        }
        resolve(undefined);
      })();
      const url = await listening;
      void drained;
      if (!url) throw new Error(`gateway did not listen:\n${stderr}`);
      expect(url.protocol).toBe("https:");
      expect(await statusOf(url, client("ops"), "/metrics")).toBe(200);
      expect(String(await statusOf(url, { ca: pem("ca.crt") }))).toStartWith("refused");
      expect(stderr).not.toContain("no key exists yet");
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});

/** A terminator (trusting the test CA) in front of a Bun.serve whose handler may ask it for subjects. */
function behindTerminator(
  handler: (request: Request, subject: CertificateSubject | undefined) => Response | Promise<Response>,
  requireCert = true,
): { url: string; terminator: MutualTls; stop(): void } {
  const front: { terminator?: MutualTls } = {};
  const upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    maxRequestBodySize: 64 * 1024 * 1024,
    fetch: (request, server) => handler(request, front.terminator?.peerOf(server.requestIP(request)?.port)),
  });
  const terminator = startMutualTls({
    host: "127.0.0.1",
    port: 0,
    cert: pem("server.crt"),
    key: pem("server.key"),
    ca: pem("ca.crt"),
    requireCert,
    upstreamPort: upstream.port as number,
  });
  front.terminator = terminator;
  const stop = (): void => {
    terminator.stop();
    terminator.closeAll();
    upstream.stop(true);
  };
  return { url: `https://127.0.0.1:${terminator.port}/`, terminator, stop };
}

describe("the mutual-TLS terminator", () => {
  test("reads a certificate once per connection; each request still gets its own certificate's subject", async () => {
    const { url, terminator, stop } = behindTerminator((_request, subject) =>
      Response.json({ cn: subject?.CN ?? null }),
    );
    const subjectOf = async (name: string): Promise<unknown> =>
      ((await (await fetch(url, { tls: client(name) })).json()) as { cn: unknown }).cn;
    try {
      const first: unknown[] = [];
      for (let i = 0; i < 20; i++) first.push(await subjectOf("ci-bot"));
      expect(first).toEqual(Array(20).fill("ci-bot"));
      // A kept-alive client: 20 requests, one handshake and one certificate read.
      expect(terminator.accepted).toBe(1);
      // Another certificate never rides the first one's connection.
      expect(await subjectOf("ops")).toBe("ops");
      expect(await subjectOf("ci-bot")).toBe("ci-bot");
      expect(await subjectOf("ops")).toBe("ops");
      expect(terminator.accepted).toBe(2);
      expect(terminator.open).toBe(2);
    } finally {
      stop();
    }
  });

  test("carries large bodies both ways intact, whichever side is slower", async () => {
    const big = crypto.getRandomValues(new Uint8Array(6 * 1024 * 1024));
    const digest = (bytes: Uint8Array | ArrayBuffer): string =>
      new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const { url, stop } = behindTerminator(async (request, subject) => {
      const cn = subject?.CN;
      if (request.method === "POST") return Response.json({ cn, sha: digest(await request.arrayBuffer()) });
      return new Response(big, { headers: { "x-cn": String(cn) } });
    });
    try {
      const down = await fetch(url, { tls: client("ci-bot") });
      expect(down.headers.get("x-cn")).toBe("ci-bot");
      expect(digest(await down.arrayBuffer())).toBe(digest(big));
      const up = await fetch(url, { method: "POST", body: big, tls: client("ci-bot") });
      expect(await up.json()).toEqual({ cn: "ci-bot", sha: digest(big) });
      // Several at once on separate connections, each with its own subject.
      const names = ["ci-bot", "ops", "stranger"];
      const answers = await Promise.all(
        names.map(async (name) => {
          const response = await fetch(url, { method: "POST", body: big, tls: client(name) });
          return (await response.json()) as { cn: string; sha: string };
        }),
      );
      expect(answers).toEqual(names.map((cn) => ({ cn, sha: digest(big) })));
    } finally {
      stop();
    }
  });

  test("with certificates optional, an unverified one is let through with no subject at all", async () => {
    const { url, stop } = behindTerminator(
      (_request, subject) => Response.json({ subject: subject ?? null }),
      false,
    );
    const subjectOf = async (tls: Tls): Promise<unknown> =>
      ((await (await fetch(url, { tls })).json()) as { subject: unknown }).subject;
    try {
      // Signed by another CA, naming a mapped subject: it must not count.
      expect(await subjectOf(client("forged"))).toBeNull();
      expect(await subjectOf({ ca: pem("ca.crt") })).toBeNull();
      expect(await subjectOf(client("ci-bot"))).toMatchObject({ CN: "ci-bot", O: "Acme" });
    } finally {
      stop();
    }
  });
});
