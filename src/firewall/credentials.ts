/** One kind of credential the scanner knows, and how it looks. */
interface CredentialRule {
  kind: string;
  /** Context that must precede the credential (`password=`); kept in the output, only the rest is replaced. */
  prefix?: string;
  /** Matches the credential itself. */
  pattern: string;
}

/** A word matched in any letter case (the combined expression cannot take the `i` flag: token shapes are case-exact). */
function ci(word: string): string {
  return [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join("");
}

/**
 * The credentials recognised in tool results. Shapes follow each issuer's documented token format, so an
 * ordinary word never matches; `password=`-style pairs need a key word and a value of 4+ characters.
 */
const RULES: readonly CredentialRule[] = [
  {
    kind: "pem-private-key",
    pattern: String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
  },
  { kind: "aws-access-key", pattern: String.raw`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b` },
  {
    kind: "aws-secret-key",
    prefix: String.raw`${ci("aws")}_?${ci("secret")}_?(?:${ci("access")}_?)?${ci("key")}["']?\s*[:=]\s*["']?`,
    pattern: "[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
  },
  {
    kind: "github-token",
    pattern: String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`,
  },
  { kind: "gitlab-token", pattern: String.raw`\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}` },
  { kind: "slack-token", pattern: String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}` },
  {
    kind: "slack-webhook",
    pattern: String.raw`https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+`,
  },
  { kind: "stripe-key", pattern: String.raw`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b` },
  { kind: "anthropic-key", pattern: String.raw`\bsk-ant-[A-Za-z0-9_-]{20,}` },
  { kind: "openai-key", pattern: String.raw`\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}` },
  { kind: "google-api-key", pattern: String.raw`\bAIza[0-9A-Za-z_-]{35}\b` },
  { kind: "jwt", pattern: String.raw`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}` },
  {
    kind: "url-password",
    prefix: String.raw`\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}://[^\s:/@"'<>]{1,64}:`,
    pattern: String.raw`[^\s@/"'<>]{1,128}(?=@)`,
  },
  {
    kind: "password",
    prefix: String.raw`\b(?:${["password", "passwd", "pwd", "passphrase", "secret", "client_secret", "api_key", "apikey", "api-key", "access_token", "auth_token", "secret_key"].map(ci).join("|")})["']?\s*[:=]\s*["']?`,
    pattern: String.raw`[^\s"'&,;<>{}\[\]]{4,}`,
  },
];

/** One credential found: its kind and where. */
export interface CredentialFinding {
  kind: string;
  start: number;
  end: number;
}

/** The marker a credential is replaced with, naming its kind. */
export function marker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

const MARKER = /^\[REDACTED:[a-z-]+\]$/;

/** Finds and replaces credentials in text: the built-in kinds, extra patterns and literal secret values. */
export class CredentialScanner {
  readonly #combined: RegExp;
  readonly #kinds: string[];
  readonly #literals: readonly string[];

  /**
   * @param options.patterns extra regular expressions, reported as `custom`
   * @param options.secrets literal values (the gateway's own configured secrets), reported as `configured-secret`
   */
  constructor(options: { patterns?: readonly string[]; secrets?: readonly string[] } = {}) {
    const rules: CredentialRule[] = [
      ...RULES,
      ...(options.patterns ?? []).map((pattern) => ({ kind: "custom", pattern })),
    ];
    this.#kinds = rules.map((r) => r.kind);
    // One pass over the text: each rule is an alternative in its own numbered group.
    const source = rules
      .map((r, i) => `(?<r${i}>${r.prefix ? `(?<p${i}>${r.prefix})` : ""}${r.pattern})`)
      .join("|");
    this.#combined = new RegExp(source, "g");
    this.#literals = [...new Set(options.secrets ?? [])]
      .filter((s) => s.length >= 8)
      .sort((a, b) => b.length - a.length);
  }

  /** Every credential in a text. */
  scan(text: string): CredentialFinding[] {
    const found: CredentialFinding[] = [];
    this.#replace(text, (f) => {
      found.push(f);
    });
    return found;
  }

  /** The text with every credential replaced by its marker, and what was found (empty: text unchanged). */
  redact(text: string): { text: string; found: CredentialFinding[] } {
    const found: CredentialFinding[] = [];
    const out = this.#replace(text, (f) => {
      found.push(f);
    });
    return { text: found.length === 0 ? text : out, found };
  }

  #replace(text: string, onFound: (f: CredentialFinding) => void): string {
    let out = text;
    for (const literal of this.#literals) {
      if (!out.includes(literal)) continue;
      let at = out.indexOf(literal);
      while (at >= 0) {
        onFound({ kind: "configured-secret", start: at, end: at + literal.length });
        at = out.indexOf(literal, at + literal.length);
      }
      out = out.split(literal).join(marker("configured-secret"));
    }
    this.#combined.lastIndex = 0;
    return out.replace(this.#combined, (...args: unknown[]) => {
      const groups = args.at(-1) as Record<string, string | undefined>;
      const offset = args.at(-3) as number;
      const match = args[0] as string;
      for (let i = 0; i < this.#kinds.length; i++) {
        if (groups[`r${i}`] === undefined) continue;
        const prefix = groups[`p${i}`] ?? "";
        const secret = match.slice(prefix.length);
        if (MARKER.test(secret) || secret.startsWith("[REDACTED:")) return match;
        const kind = this.#kinds[i] ?? "custom";
        onFound({ kind, start: offset + prefix.length, end: offset + match.length });
        return `${prefix}${marker(kind)}`;
      }
      return match;
    });
  }
}
