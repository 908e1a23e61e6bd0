import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { guardedFetch } from "../../src/firewall/guarded-fetch.ts";
import { classifyAddress, inCidr, parseAddress, parseCidr } from "../../src/firewall/ip-ranges.ts";
import {
  checkDestination,
  invalidAllowEntry,
  onSsrfFinding,
  type SsrfFinding,
  SsrfRefusedError,
  type SsrfSettings,
} from "../../src/firewall/ssrf.ts";
import { tempDir } from "../helpers/gateway.ts";

function classOf(host: string): string | undefined {
  const address = parseAddress(host);
  if (!address) throw new Error(`not an address: ${host}`);
  return classifyAddress(address);
}

describe("address classes", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["2130706433", "loopback"], // decimal
    ["0177.0.0.1", "loopback"], // octal
    ["0x7f.0.0.1", "loopback"], // hex
    ["127.1", "loopback"], // short form
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.100.100.200", "cgnat"], // Alibaba Cloud metadata
    ["169.254.169.254", "link-local"], // AWS, GCP, Azure metadata
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fe80::1%eth0", "link-local"],
    ["fd00:ec2::254", "unique-local"], // AWS metadata over IPv6
    ["fc00::1", "unique-local"],
    ["::ffff:127.0.0.1", "loopback"], // IPv4-mapped, dotted
    ["::ffff:7f00:1", "loopback"], // IPv4-mapped, as the URL parser writes it
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::127.0.0.1", "loopback"], // IPv4-compatible
    ["64:ff9b::a9fe:a9fe", "link-local"], // NAT64
    ["2002:a9fe:a9fe::1", "link-local"], // 6to4
  ])("%s is %s", (host, cls) => {
    expect(classOf(host)).toBe(cls);
  });

  test.each(["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (host) => {
      expect(classOf(host)).toBeUndefined();
    },
  );

  test("names and malformed addresses are not addresses", () => {
    for (const host of ["example.com", "999.1.1.1", "08.1.1.1", "1::2::3", "12345::"])
      expect(parseAddress(host)).toBeUndefined();
  });

  test("CIDRs match their addresses; an IPv4 CIDR matches the IPv4-mapped form", () => {
    const net = parseCidr("10.1.0.0/16");
    if (!net) throw new Error("no cidr");
    expect(inCidr(parseAddress("10.1.200.3") as Uint8Array, net)).toBe(true);
    expect(inCidr(parseAddress("10.2.0.1") as Uint8Array, net)).toBe(false);
    expect(inCidr(parseAddress("::ffff:10.1.0.9") as Uint8Array, net)).toBe(true);
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(invalidAllowEntry("*.corp.example")).toBe(false);
    expect(invalidAllowEntry("fd00::/8")).toBe(false);
    expect(invalidAllowEntry("http://x")).toBe(true);
  });
});

describe("checkDestination", () => {
  const block: SsrfSettings = { policy: "block", allowPrivateNetworks: false, allowHosts: [] };

  test("resolves a name and refuses it when any address is internal", async () => {
    const verdict = await checkDestination(new URL("http://mixed.test/"), block, {
      lookup: async () => ["93.184.216.34", "10.0.0.5"],
    });
    expect(verdict.refused).toEqual({ address: "10.0.0.5", addressClass: "private" });
  });

  test("localhost resolves to loopback through the system resolver", async () => {
    const verdict = await checkDestination(new URL("http://localhost:1/"), block);
    expect(verdict.refused?.addressClass).toBe("loopback");
  });

  test("allow_private_networks opens private ranges but never link-local (cloud metadata)", async () => {
    const open = { ...block, allowPrivateNetworks: true };
    expect((await checkDestination(new URL("http://192.168.0.10/"), open)).refused).toBeUndefined();
    expect((await checkDestination(new URL("http://[::1]/"), open)).refused).toBeUndefined();
    expect((await checkDestination(new URL("http://169.254.169.254/"), open)).refused?.addressClass).toBe(
      "link-local",
    );
    const metadata = { ...block, allowHosts: ["169.254.169.254/32"] };
    expect((await checkDestination(new URL("http://169.254.169.254/"), metadata)).refused).toBeUndefined();
  });

  test("an unresolvable name is an error naming it, within the deadline", async () => {
    await expect(
      checkDestination(new URL("http://never.test/"), block, {
        lookup: () => new Promise(() => {}),
        timeoutMs: 50,
      }),
    ).rejects.toThrow("cannot resolve never.test: no answer within 50ms");
  });
});

// Real servers on loopback: a redirector the admin "wrote" (trusted as written) and targets behind it.
describe("guardedFetch over real HTTP servers", () => {
  type Hit = { method: string; host: string | null; auth: string | null; key: string | null; body: string };
  const hits: Hit[] = [];
  const hits6: Hit[] = [];
  let target: ReturnType<typeof Bun.serve>;
  let target6: ReturnType<typeof Bun.serve>;
  let redirector: ReturnType<typeof Bun.serve>;
  const findings: SsrfFinding[] = [];
  let unsubscribe: () => void;

  const record = (into: Hit[]) => async (req: Request) => {
    into.push({
      method: req.method,
      host: req.headers.get("host"),
      auth: req.headers.get("authorization"),
      key: req.headers.get("x-api-key"),
      body: await req.text(),
    });
    return new Response("reached");
  };

  beforeAll(() => {
    target = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: record(hits) });
    target6 = Bun.serve({ hostname: "::1", port: 0, fetch: record(hits6) });
    redirector = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        const url = new URL(req.url);
        const to = url.searchParams.get("to");
        if (url.pathname === "/loop")
          return new Response(null, { status: 302, headers: { location: "/loop" } });
        if (!to) return record(hits)(req);
        const status = Number(url.searchParams.get("status") ?? 302);
        return new Response(null, { status, headers: { location: to } });
      },
    });
    unsubscribe = onSsrfFinding((f) => findings.push(f));
  });
  afterAll(() => {
    unsubscribe();
    target.stop(true);
    target6.stop(true);
    redirector.stop(true);
  });
  beforeEach(() => {
    hits.length = 0;
    hits6.length = 0;
    findings.length = 0;
  });

  const origin = () => `http://127.0.0.1:${redirector.port}`;
  const via = (to: string, status = 302) => `${origin()}/?to=${encodeURIComponent(to)}&status=${status}`;
  function guard(
    settings: Partial<SsrfSettings> = {},
    extra: Parameters<typeof guardedFetch>[0] | object = {},
  ) {
    return guardedFetch({
      settings: { policy: "block", allowPrivateNetworks: false, allowHosts: [], ...settings },
      subject: "test",
      // The admin wrote the redirector's URL: that host and port are reached as written.
      trusted: (url) => url.host === new URL(origin()).host,
      ...extra,
    });
  }

  test("the host the admin wrote is reached as written, loopback or not", async () => {
    const response = await guard()(`${origin()}/`);
    expect(await response.text()).toBe("reached");
    expect(findings).toEqual([]);
  });

  test("a redirect to the cloud metadata address is refused before connecting", async () => {
    const error = await guard()(via("http://169.254.169.254/latest/meta-data/iam/")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsrfRefusedError);
    expect(String((error as Error).message)).toContain(
      "169.254.169.254 is a link-local address (reached by a redirect",
    );
    expect(findings).toEqual([
      {
        subject: "test",
        url: "http://169.254.169.254/latest/meta-data/iam/",
        address: "169.254.169.254",
        addressClass: "link-local",
        via: "redirect",
        refused: true,
      },
    ]);
  });

  test.each([
    ["127.0.0.1 on another port", () => `http://127.0.0.1:${target.port}/`],
    ["a name resolving to loopback (localhost)", () => `http://localhost:${target.port}/`],
    ["decimal IPv4", () => `http://2130706433:${target.port}/`],
    ["octal IPv4", () => `http://0177.0.0.1:${target.port}/`],
    ["IPv4-mapped IPv6", () => `http://[::ffff:127.0.0.1]:${target.port}/`],
    ["IPv6 ::1", () => `http://[::1]:${target6.port}/`],
  ])("a redirect to %s is refused and never reaches it", async (_what, to) => {
    await expect(guard()(via(to()))).rejects.toBeInstanceOf(SsrfRefusedError);
    expect(hits).toEqual([]);
    expect(hits6).toEqual([]);
    expect(findings[0]?.addressClass).toBe("loopback");
  });

  test("allow_private_networks follows a redirect to ::1", async () => {
    const response = await guard({ allowPrivateNetworks: true })(via(`http://[::1]:${target6.port}/six`));
    expect(await response.text()).toBe("reached");
    expect(hits6).toHaveLength(1);
  });

  test("allow_hosts with a CIDR lets loopback through; a host name entry too", async () => {
    await guard({ allowHosts: ["127.0.0.0/8"] })(via(`http://127.0.0.1:${target.port}/`));
    await guard({ allowHosts: ["localhost"] })(via(`http://localhost:${target.port}/`));
    expect(hits).toHaveLength(2);
  });

  test("warn logs and follows; off follows without checking", async () => {
    const lines: string[] = [];
    const log = createConsola({ reporters: [{ log: (e) => lines.push(String(e.args[0])) }] });
    const warned = await guard({ policy: "warn" }, { log })(via(`http://127.0.0.1:${target.port}/`));
    expect(await warned.text()).toBe("reached");
    expect(findings).toMatchObject([{ addressClass: "loopback", refused: false }]);
    expect(lines.join("\n")).toContain("reaches 127.0.0.1 (loopback, by redirect): passed on (ssrf: warn)");
    findings.length = 0;
    const off = await guard({ policy: "off" })(via(`http://127.0.0.1:${target.port}/`));
    expect(await off.text()).toBe("reached");
    expect(findings).toEqual([]);
    expect(hits).toHaveLength(2);
  });

  test("a checked plain-HTTP hop connects to the address that was checked (no second lookup)", async () => {
    // api.example.test exists for this guard's resolver only: the connection can only have gone to the
    // address the guard checked, with the name in the Host header.
    const fetcher = guard(
      { allowHosts: ["127.0.0.1/32"] },
      { lookup: async (host: string) => (host === "api.example.test" ? ["127.0.0.1"] : []) },
    );
    const response = await fetcher(via(`http://api.example.test:${target.port}/pinned`));
    expect(await response.text()).toBe("reached");
    expect(hits[0]?.host).toBe(`api.example.test:${target.port}`);
  });

  test("a checked HTTPS hop connects to the checked address with the name as TLS server name", async () => {
    // A certificate for api.example.test only: the connection goes to 127.0.0.1, and verifies because
    // SNI and the certificate check use the name.
    const dir = tempDir("ssrf-tls-");
    const made = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-subj",
        "/CN=api.example.test",
        "-addext",
        "subjectAltName=DNS:api.example.test",
      ],
      { cwd: dir, stdout: "ignore", stderr: "pipe" },
    );
    if (made.exitCode !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const secure = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key: readFileSync(join(dir, "key.pem"), "utf8") },
      fetch: (req) => new Response(`secure ${req.headers.get("host")}`),
    });
    try {
      const fetcher = guard(
        { allowHosts: ["127.0.0.1/32"] },
        {
          lookup: async (host: string) => (host === "api.example.test" ? ["127.0.0.1"] : []),
          fetch: (url: string, init: BunFetchRequestInit) =>
            fetch(url, { ...init, tls: { ...init.tls, ca: cert } }),
        },
      );
      const response = await fetcher(via(`https://api.example.test:${secure.port}/`));
      expect(await response.text()).toBe(`secure api.example.test:${secure.port}`);
    } finally {
      secure.stop(true);
    }
  });

  test("credentials stay behind when a redirect leaves the origin; same origin keeps them", async () => {
    const headers = { authorization: "Bearer tok-123456", "x-api-key": "key-123456", accept: "text/plain" };
    const fetcher = guard({ allowHosts: ["127.0.0.1"] });
    await fetcher(via(`http://127.0.0.1:${target.port}/other`), { headers });
    await fetcher(via(`${origin()}/`), { headers });
    expect(hits.map((h) => [h.auth, h.key])).toEqual([
      [null, null],
      ["Bearer tok-123456", "key-123456"],
    ]);
  });

  test("303 turns a POST into a GET without body; 307 repeats the POST with its body", async () => {
    const fetcher = guard();
    await fetcher(via(`${origin()}/`, 303), { method: "POST", body: "payload" });
    await fetcher(via(`${origin()}/`, 307), { method: "POST", body: "payload" });
    expect(hits.map((h) => [h.method, h.body])).toEqual([
      ["GET", ""],
      ["POST", "payload"],
    ]);
  });

  test("a redirect loop ends after five hops with an error", async () => {
    await expect(guard()(`${origin()}/loop`)).rejects.toThrow("more than 5 redirects");
  });

  test("redirect: manual hands the redirect back unchecked", async () => {
    const response = await guard()(via("http://169.254.169.254/"), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(findings).toEqual([]);
  });
});
