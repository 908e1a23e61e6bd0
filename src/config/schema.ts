import { z } from "zod";
import { BUILTIN_CATEGORIES } from "../capabilities/builtin-categories.ts";
import { RedisConfigSchema } from "../cluster/config.ts";
import { parseDuration } from "../duration.ts";
import { FailsafeConfigSchema, FailsafeOverrideSchema } from "../failsafe/config.ts";
import { invalidAllowEntry } from "../firewall/ssrf.ts";
import { TransformsSchema } from "../transforms/schema.ts";

/** A duration written as `100ms`, `30s`, `5m`, `1h` or plain seconds; parsed to milliseconds. */
export const Duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `invalid duration "${value}" (use e.g. 100ms, 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const BACKEND_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const ClientCertSchema = z.strictObject({
  scopes: z
    .array(z.string().min(1))
    .min(1)
    .describe("What the certificate's holder may do: admin, profile:NAME, server or server/tool globs"),
  rate: z.number().positive().optional().describe("Requests per second to backends (default: unlimited)"),
});

export const TlsSchema = z
  .strictObject({
    cert: z.string().min(1).describe("PEM file of the server certificate (chain), relative to the config"),
    key: z.string().min(1).describe("PEM file of its private key, relative to the config"),
    client_ca: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file of the CA(s) client certificates must chain to; turns on mutual TLS"),
    client_cert: z
      .enum(["required", "optional"])
      .default("required")
      .describe(
        "With client_ca: required = a client without a certificate the CA verifies is refused at the handshake; optional = it may authenticate with a key or token instead",
      ),
    clients: z
      .record(
        z.string().regex(/^[A-Za-z.0-9]+=/, "a subject is written like CN=ci-bot or CN=ci-bot,O=Acme"),
        ClientCertSchema,
      )
      .default({})
      .describe(
        "Verified client certificates → principals, by subject attributes (CN=ci-bot,O=Acme: every one listed must match; the entry naming the most wins); needs an auth: section",
      ),
  })
  .describe("HTTPS on the gateway's port, optionally with client certificates (mTLS)");

export const ServerSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("Address to bind; keep loopback unless you add auth"),
    port: z.number().int().min(0).max(65535).default(39400).describe("TCP port (0 picks a free one)"),
    request_timeout: Duration.default(30_000).describe("Default per-request timeout for backends"),
    shutdown_timeout: Duration.default(30_000).describe("How long in-flight calls may finish on shutdown"),
    max_body_size: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe("Largest accepted POST body"),
    session_idle_timeout: Duration.default(86_400_000).describe(
      "Close an HTTP session its client has not used for this long (0 = never); the client re-initializes",
    ),
    unused_session_timeout: Duration.default(300_000).describe(
      "Close an HTTP session that has made no request since initialize after this long (0 = never)",
    ),
    max_sessions: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        "Most open HTTP sessions; a new one closes the longest-idle, or is refused with 503 when all are busy",
      ),
    allowed_origins: z
      .array(z.string())
      .default([])
      .describe("Extra browser Origins allowed besides localhost (DNS-rebinding protection)"),
    allow_unauthenticated: z
      .boolean()
      .default(false)
      .describe(
        "Listen beyond loopback without an auth section: anyone who reaches the port can call every tool",
      ),
    tls: TlsSchema.optional(),
  })
  .describe("The gateway's own HTTP listener");

export const MetaMcpSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Expose 4 meta-tools instead of every backend tool"),
  cache_tools: z.boolean().default(true).describe("Keep backend tool lists between requests"),
  cache_ttl: Duration.default(300_000).describe("How long a cached tool list counts as fresh"),
  surfaced: z
    .array(z.string().regex(/^[^/]+\/.+$/, "a surfaced tool is written server/tool"))
    .default([])
    .describe("Tools (server/tool) listed directly beside the meta-tools, named <server>__<tool>"),
});

const Policy = z.enum(["off", "warn", "block"]);

const AllowHost = z
  .string()
  .refine((entry) => !invalidAllowEntry(entry), "write a host name (or *.domain), an IP address or a CIDR");

const PathsSchema = z
  .strictObject({
    root: z
      .string()
      .refine((p) => /^(?:\/|[A-Za-z]:[\\/])/.test(p), "paths.root must be an absolute path")
      .optional()
      .describe(
        "Path arguments must stay inside this folder (absolute ones outside it and .. out of it are flagged)",
      ),
  })
  .describe("Where path-like arguments may point");

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const FirewallOverrideSchema = z.strictObject({
  pinning: Policy.optional().describe("A changed tool definition: block = quarantine, warn = log only"),
  poisoning: Policy.optional().describe("Hidden instructions in tool definitions: block = quarantine"),
  redaction: z
    .enum(["off", "warn", "redact", "block"])
    .optional()
    .describe("Credentials in tool results: redact = replace with a marker, block = refuse the result"),
  arguments: Policy.optional().describe("Suspicious call arguments: block = the call is refused"),
  ssrf: Policy.optional().describe("Requests to internal addresses (redirects, hosts from arguments)"),
  allow_private_networks: z
    .boolean()
    .optional()
    .describe("Loopback, private, CGNAT and unique-local addresses may be reached"),
  allow_hosts: z.array(AllowHost).optional().describe("More hosts, addresses or CIDRs always allowed"),
  paths: PathsSchema.optional(),
});

export const FirewallSchema = z
  .strictObject({
    pinning: Policy.default("block").describe(
      "A tool whose definition changed since first sight: block = quarantined until approved, warn = logged",
    ),
    poisoning: Policy.default("warn").describe(
      "Hidden instructions, invisible Unicode, exfiltration asks or shadowing in tool definitions: warn = logged and shown, block = quarantined",
    ),
    redaction: z
      .enum(["off", "warn", "redact", "block"])
      .default("redact")
      .describe(
        "Credentials in tool results: redact = replaced with a marker naming the kind, warn = logged only, block = the result is refused",
      ),
    arguments: Policy.default("warn").describe(
      "Call arguments named like paths, commands, SQL or URLs: traversal, key files, shell metacharacters, stacked SQL, internal addresses; warn = logged, block = the call is refused",
    ),
    patterns: z
      .array(z.string().refine(isRegExp, "not a valid regular expression"))
      .default([])
      .describe("Extra regular expressions whose matches are redacted as `custom`"),
    ssrf: Policy.default("block").describe(
      "Requests to loopback, private, link-local (cloud metadata), CGNAT or unique-local addresses by a redirect or a host made from arguments (a URL the admin wrote is reached as written): block = refused, warn = logged",
    ),
    allow_private_networks: z
      .boolean()
      .default(false)
      .describe(
        "Let the SSRF guard pass loopback, private, CGNAT and unique-local addresses (never link-local)",
      ),
    allow_hosts: z
      .array(AllowHost)
      .default([])
      .describe(
        "Hosts (api.corp, *.corp), addresses and CIDRs (10.1.0.0/16) the SSRF guard always lets through",
      ),
    paths: PathsSchema.default({}),
  })
  .describe("Checks between the model and its tools: pinning, poisoning scan, credential redaction");

export const BackendSchema = z
  .strictObject({
    command: z.string().min(1).optional().describe("Command line of a stdio server (quotes honoured)"),
    args: z.array(z.string()).default([]).describe("Extra arguments appended to command"),
    http_url: z
      .url()
      .optional()
      .describe("URL of a Streamable HTTP or SSE server (http, https), or a WebSocket one (ws, wss)"),
    transport: z
      .enum(["stdio", "streamable-http", "sse", "websocket"])
      .optional()
      .describe("Force a transport"),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe("HTTP headers for http_url backends (on the upgrade request for ws/wss)"),
    description: z.string().default("").describe("Shown in gateway_list_servers and used by search"),
    enabled: z.boolean().default(true),
    timeout: Duration.optional().describe(
      "Per-request timeout, reset by progress (default server.request_timeout)",
    ),
    max_timeout: Duration.optional().describe("Hard cap on one request however much progress it reports"),
    lazy: z.boolean().optional().describe("Start on first use instead of at launch (default lifecycle.lazy)"),
    idle_timeout: Duration.optional().describe(
      "Sleep after this long unused; 0 = never (default lifecycle.idle_timeout)",
    ),
    failsafe: FailsafeOverrideSchema.optional().describe("Per-backend overrides of the failsafe section"),
    forward_roots: z
      .boolean()
      .default(false)
      .describe("Declare roots to this backend and relay its roots/list to the calling client"),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe("Environment of the child process, on top of PATH, HOME, LANG and the other safe variables"),
    inherit_env: z
      .boolean()
      .default(false)
      .describe("Pass the gateway's whole environment to the child (its tokens for other backends included)"),
    cwd: z
      .string()
      .optional()
      .describe("Working directory for the child process (relative to this config file)"),
    trust: z
      .enum(["pin", "auto"])
      .default("pin")
      .describe(
        "pin = a tool whose definition changes after first sight is quarantined until approved (mcp-gateway tools approve); auto = changes are accepted",
      ),
    firewall: FirewallOverrideSchema.optional().describe("Per-backend overrides of the firewall section"),
    transforms: TransformsSchema,
  })
  .superRefine((backend, ctx) => {
    if (backend.command === undefined && backend.http_url === undefined) {
      ctx.addIssue({ code: "custom", message: "needs either command (stdio) or http_url" });
    }
    if (backend.command !== undefined && backend.http_url !== undefined) {
      ctx.addIssue({ code: "custom", message: "has both command and http_url; keep one" });
    }
    if (backend.http_url !== undefined && URL.canParse(backend.http_url)) {
      const scheme = new URL(backend.http_url).protocol;
      const ws = scheme === "ws:" || scheme === "wss:";
      if (!ws && scheme !== "http:" && scheme !== "https:") {
        ctx.addIssue({ code: "custom", path: ["http_url"], message: "use http, https, ws or wss" });
      } else if (ws !== (backend.transport === "websocket") && backend.transport !== undefined) {
        const message = ws
          ? "a ws/wss URL is transport websocket"
          : "transport websocket needs a ws or wss URL";
        ctx.addIssue({ code: "custom", path: ["transport"], message });
      }
    }
  });

export const CapabilitiesConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Serve REST capabilities (YAML files) as one backend"),
    builtin: z
      .union([z.boolean(), z.array(z.enum(BUILTIN_CATEGORIES))], {
        error: `true, false or a list of categories (${BUILTIN_CATEGORIES.join(", ")})`,
      })
      .default(false)
      .describe(
        "Include the 109 capabilities built into mcp-gateway (they call public internet services, some with your data): true, or a list of categories (folders of capabilities/)",
      ),
    directories: z
      .array(z.string())
      .default([])
      .describe("Folders of capability YAML files, hot-reloaded (relative to this config file)"),
    name: z
      .string()
      .regex(BACKEND_NAME, "backend names use letters, digits, _ . - (max 64)")
      .default("capabilities")
      .describe("Backend name the capabilities appear under"),
    firewall: FirewallOverrideSchema.optional().describe("Firewall overrides for the capabilities backend"),
  })
  .describe("REST APIs as tools: see docs/capabilities.md");

export const LifecycleSchema = z
  .strictObject({
    lazy: z.boolean().default(true).describe("Start backends on first use once their tools are known"),
    idle_timeout: Duration.default(600_000).describe("Stop a backend unused this long; 0 = never"),
    health_check_interval: Duration.default(30_000).describe("Ping running backends this often; 0 = never"),
    warmup_concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe("Backends learned at once on start-up"),
    cache_dir: z.string().optional().describe("Where tool manifests live (default: the user cache dir)"),
  })
  .describe("When backends start, sleep and get checked");

const GLOB = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.*?-]+$/, "letters, digits, _ . - and the wildcards * ?");
const TOOL_GLOB = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.*?-]+\/[A-Za-z0-9_.*?-]+$/, "write server/tool (wildcards * and ? allowed)");

export const SessionLimitsSchema = z
  .strictObject({
    max_calls: z.number().int().positive().optional().describe("Most backend requests one session may make"),
    max_duration: Duration.optional().describe("How long after its first request a session may call"),
  })
  .describe("Session sandbox: limits per client session");

export const ProfileSchema = z
  .strictObject({
    servers: z.array(GLOB).default([]).describe("Servers whose every tool, resource and prompt is allowed"),
    tools: z.array(TOOL_GLOB).default([]).describe("Tools allowed as server/tool globs, e.g. github/get_*"),
    resources: z.array(GLOB).default([]).describe("Servers whose resources may be listed and read"),
    prompts: z.array(GLOB).default([]).describe("Servers whose prompts may be listed and used"),
    deny_servers: z.array(GLOB).default([]).describe("Servers refused whatever else allows them"),
    deny_tools: z.array(TOOL_GLOB).default([]).describe("Tools refused whatever else allows them"),
    read_only: z
      .boolean()
      .default(false)
      .describe("Allow only tools annotated readOnlyHint: true (of those the profile allows)"),
    sessions: SessionLimitsSchema.optional().describe(
      "Session limits for this profile (the strictest applies)",
    ),
  })
  .describe("What a principal with scope profile:<name> may see and call; deny wins");

export const ClaimRuleSchema = z
  .strictObject({
    claim: z.string().min(1).describe("Claim of the access token, e.g. groups, sub, client_id"),
    contains: z
      .string()
      .optional()
      .describe("Matches when the claim (a list or a space-separated string) has this"),
    equals: z.string().optional().describe("Matches when the claim is exactly this"),
    profile: z.string().min(1).describe("Profile granted when the rule matches (scope profile:<name>)"),
  })
  .refine((rule) => (rule.contains === undefined) !== (rule.equals === undefined), {
    message: "write exactly one of contains or equals",
  })
  .describe("A rule on a token's claims: e.g. groups contains ops → profile ops");

export const IntrospectionSchema = z
  .strictObject({
    endpoint: z.url().optional().describe("RFC 7662 endpoint (default: the issuer metadata's)"),
    client_id: z.string().min(1).describe("This gateway's client id at the authorization server"),
    client_secret: z.string().min(1).describe("Its secret (use a $-brace variable, not the value)"),
    cache_ttl: Duration.default(60_000).describe("How long an answer is reused (never past the token's exp)"),
  })
  .describe("Opaque (non-JWT) access tokens, checked by token introspection");

export const OAuthSchema = z
  .strictObject({
    issuer: z.url().describe("The authorization server (its iss); its metadata names the JWKS"),
    resource: z
      .url()
      .describe(
        "This gateway's canonical URL (RFC 8707), e.g. https://mcp.example.com; tokens must name it (or /mcp, /mcp/<backend> under it) as audience",
      ),
    jwks_uri: z.url().optional().describe("Where the signing keys are (default: from the issuer's metadata)"),
    algorithms: z
      .array(z.string().regex(/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/, "an asymmetric JWS algorithm"))
      .default(["RS256", "PS256", "ES256", "EdDSA"])
      .describe("Signature algorithms accepted (never none, never HMAC)"),
    clock_tolerance: Duration.default(5_000).describe("Leeway for exp/nbf/iat"),
    required_scopes: z
      .array(z.string().min(1))
      .default([])
      .describe("OAuth scopes every token needs; without them: 403 insufficient_scope"),
    scopes: z
      .record(z.string().min(1), z.array(z.string().min(1)))
      .default({})
      .describe("OAuth scope → gateway scopes it grants, e.g. mcp:tools: [profile:default]"),
    rules: z.array(ClaimRuleSchema).default([]).describe("Claim rules granting profiles"),
    introspection: IntrospectionSchema.optional(),
    rate: z.number().positive().optional().describe("Requests per second per token subject"),
  })
  .describe("OAuth 2.1 resource server: JWT access tokens from this issuer");

export const AuditSchema = z
  .strictObject({
    file: z.string().min(1).optional().describe("Audit log (default: audit.jsonl in the user data dir)"),
    max_size: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024)
      .describe("Rotate when the file passes this many bytes"),
    keep: z.number().int().min(0).max(100).default(5).describe("Rotated files kept (audit.jsonl.1 …)"),
  })
  .describe("One JSON line per call (never arguments)");

export const BudgetSchema = z
  .strictObject({
    daily: z
      .number()
      .positive()
      .optional()
      .describe("Cost units per principal per UTC day (unset: no budget)"),
    principals: z
      .record(z.string().min(1), z.number().positive())
      .default({})
      .describe("Daily budget per principal id (key:<name>, oauth:<sub>), over daily"),
    costs: z
      .record(TOOL_GLOB, z.number().min(0))
      .default({})
      .describe("Cost of one call per server/tool glob (first match; default 1)"),
    thresholds: z
      .array(
        z.strictObject({
          at: z.number().positive().max(10).describe("Fraction of the budget used, e.g. 0.8"),
          action: z.enum(["log", "warn", "block"]),
        }),
      )
      .default([
        { at: 0.8, action: "warn" },
        { at: 1, action: "block" },
      ])
      .describe("What happens when the day's spending reaches a fraction of the budget"),
  })
  .describe("Daily cost budgets per principal, kept across restarts in the data dir");

export const AuthSchema = z
  .strictObject({
    oauth: OAuthSchema.optional(),
    audit: AuditSchema.optional(),
    budget: BudgetSchema.optional(),
    sessions: SessionLimitsSchema.optional().describe("Limits for every session (profiles may be stricter)"),
    keys_file: z
      .string()
      .optional()
      .describe("API keys file written by `mcp-gateway keys` (default: <config name>.keys.json beside it)"),
    profiles: z
      .record(
        z.string().regex(BACKEND_NAME, "profile names use letters, digits, _ . - (max 64)"),
        ProfileSchema,
      )
      .default({})
      .describe("Named access profiles a key's scopes refer to as profile:<name>"),
  })
  .describe("Authentication and per-client access; without this section only loopback is served, unchecked");

export const SearchSchema = z
  .strictObject({
    semantic: z
      .enum(["auto", "off"])
      .optional()
      .describe(
        "Fuse a meaning-based ranking with the word ranking: auto = the embeddings endpoint when set, else the local model when installed (about 220 MiB more memory); off by default unless `embeddings` is set",
      ),
    embeddings: z
      .strictObject({
        url: z.string().url().describe("OpenAI-compatible API base, e.g. http://127.0.0.1:11434/v1 (Ollama)"),
        model: z.string().min(1).describe("Embedding model name, e.g. nomic-embed-text"),
        api_key: z
          .string()
          .optional()
          .describe("Sent as a Bearer token (write it as a $-variable, not in the file)"),
      })
      .optional()
      .describe("An embeddings endpoint to use instead of the local model"),
  })
  .describe("Tool search (gateway_search_tools)");

export const WebhookSchema = z
  .strictObject({
    provider: z
      .enum(["github", "linear", "stripe", "generic"])
      .describe(
        "Whose signature scheme: github (X-Hub-Signature-256), linear (Linear-Signature), stripe (Stripe-Signature), generic (Standard Webhooks: webhook-id/-timestamp/-signature)",
      ),
    secret: z
      .string()
      .min(16, "use the sender's signing secret (at least 16 characters), written as a $-brace variable")
      .describe("The signing secret shared with the sender (write it as a $-brace variable)"),
    description: z.string().default("").describe("Shown on the webhook://<name>/latest resource"),
    tolerance: Duration.optional().describe(
      "How far a signed timestamp may be from now (default: linear 60s, stripe and generic 5m; github signs none)",
    ),
    keep: z.number().int().min(1).max(1000).default(50).describe("Events kept for reading (newest)"),
    max_body_size: z
      .number()
      .int()
      .positive()
      .max(25 * 1024 * 1024)
      .default(1024 * 1024)
      .describe("Largest delivery accepted, in bytes"),
  })
  .superRefine((hook, ctx) => {
    if (hook.provider === "generic" && hook.secret.startsWith("whsec_")) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(hook.secret.slice(6))) {
        ctx.addIssue({ code: "custom", path: ["secret"], message: "whsec_ must be followed by base64" });
      }
    }
  })
  .describe("A webhook received on POST /webhooks/<name>, checked by its signature");

export const GatewayConfigSchema = z.strictObject({
  server: ServerSchema.prefault({}),
  meta_mcp: MetaMcpSchema.prefault({}),
  backends: z
    .record(
      z.string().regex(BACKEND_NAME, "backend names use letters, digits, _ . - (max 64)"),
      BackendSchema,
    )
    .default({}),
  capabilities: CapabilitiesConfigSchema.prefault({}),
  lifecycle: LifecycleSchema.prefault({}),
  failsafe: FailsafeConfigSchema.prefault({}),
  auth: AuthSchema.optional(),
  search: SearchSchema.prefault({}),
  firewall: FirewallSchema.prefault({}),
  redis: RedisConfigSchema.optional(),
  webhooks: z
    .record(
      z.string().regex(BACKEND_NAME, "webhook names use letters, digits, _ . - (max 64)"),
      WebhookSchema,
    )
    .default({})
    .describe("Signed webhooks (GitHub, Linear, Stripe, Standard Webhooks) turned into MCP notifications"),
});

/** Validated configuration, durations in milliseconds. */
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
/** The validated `search` section. */
export type SearchConfig = z.output<typeof SearchSchema>;
/** The validated `server.tls` section. */
export type TlsConfig = z.output<typeof TlsSchema>;
/** The validated `auth` section. */
export type AuthConfig = z.output<typeof AuthSchema>;
/** One validated access profile. */
export type ProfileConfig = z.output<typeof ProfileSchema>;
/** The validated `auth.oauth` section. */
export type OAuthConfig = z.output<typeof OAuthSchema>;
/** The validated `auth.audit` section. */
export type AuditConfig = z.output<typeof AuditSchema>;
/** The validated `auth.budget` section. */
export type BudgetConfig = z.output<typeof BudgetSchema>;
/** Session limits (`auth.sessions`, a profile's `sessions`). */
export type SessionLimits = z.output<typeof SessionLimitsSchema>;
/** The validated `firewall` section. */
export type FirewallConfig = z.output<typeof FirewallSchema>;
/** One validated `webhooks.<name>` entry. */
export type WebhookConfig = z.output<typeof WebhookSchema>;
/** One validated backend entry. */
export type BackendConfig = z.output<typeof BackendSchema>;
