import type { Tool } from "@modelcontextprotocol/sdk/types.js";

/** One suspicious span in a tool definition. */
export interface PoisonFinding {
  /** Stable rule id, e.g. `instruction.ignore-previous`. */
  rule: string;
  /** Where: `name`, `description`, `title`, or `inputSchema.<path>`. */
  field: string;
  /** The offending text (at most 80 characters, invisible characters shown as `U+XXXX`). */
  span: string;
}

interface TextRule {
  rule: string;
  pattern: RegExp;
}

const WINDOW = String.raw`[^.!?\n]{0,60}?`;
const SECRET_NOUN = String.raw`(?:api[ _-]?keys?|access[ _-]?tokens?|auth(?:entication)?[ _-]?tokens?|passwords?|credentials|secrets?|private[ _-]?keys?|ssh[ _-]?keys?|env(?:ironment)?[ _-]?variables|\.env\b|conversation(?: history)?|chat history|previous messages|system prompt|session cookies?)`;

/** Rules over any text of a definition; each names what a benign tool never asks of the model. */
const TEXT_RULES: readonly TextRule[] = [
  {
    rule: "instruction.ignore-previous",
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass)\b${WINDOW}\b(?:previous|prior|above|earlier|all|any|other|system|safety|original)\b${WINDOW}\b(?:instructions?|prompts?|rules|directions|guidelines|guardrails|messages|constraints)\b`,
      "i",
    ),
  },
  {
    rule: "instruction.conceal",
    pattern:
      /\b(?:do not|don't|dont|never|without)\s+(?:\w+\s+){0,3}?(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|notify(?:ing)?|alert(?:ing)?|disclos(?:e|ing)|show(?:ing)?|let(?:ting)?)\s+(?:\w+\s+){0,2}?(?:the\s+)?(?:user|human|operator|person)\b|\b(?:the\s+)?user\s+(?:must|should|need)\s+(?:not|never)\s+(?:know|see|be told|notice)|\b(?:secretly|covertly|without the user(?:'s)? knowledge)\b|\b(?:silently|quietly)\s+(?:send|forward|append|include|copy|upload|add|read|collect|attach|post|leak|log|record)\b/i,
  },
  {
    rule: "instruction.tag",
    pattern:
      /<\/?\s*(?:important|system|instructions?|hidden|secret|admin|critical|sys|system[-_ ]?prompt|assistant[-_ ]?instructions?)\b[^>]{0,40}>|\[\/?(?:SYSTEM|INST|IMPORTANT)\]|<\|im_start\|>|\{\{\s*SYSTEM/i,
  },
  {
    rule: "instruction.role",
    pattern:
      /\b(?:you are now|from now on,? you|new instructions?:|your new (?:task|role|instructions?)|act as (?:an?|the) (?:admin|root|system|developer)|the (?:ai|assistant|model|llm) (?:must|should|has to) (?:always|first|now|also|immediately))\b/i,
  },
  {
    rule: "instruction.precondition",
    pattern: new RegExp(
      String.raw`\bbefore (?:using|calling|invoking|running) (?:this|any|the)\b${WINDOW}\b(?:must|should|always|first)\b${WINDOW}\b(?:read|call|send|pass|include|provide|fetch|run)\b`,
      "i",
    ),
  },
  {
    rule: "exfiltration.sensitive-file",
    pattern:
      /~\/\.ssh\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.aws\/credentials|\/etc\/(?:passwd|shadow|sudoers)\b|\.git-credentials|\.netrc\b|\.npmrc\b|\.pypirc\b|\.docker\/config\.json|\.kube\/config|claude_desktop_config\.json|\.cursor\/mcp\.json|\bwallet\.dat\b|\.gnupg\b/i,
  },
  {
    rule: "exfiltration.secret-request",
    pattern: new RegExp(
      // "Do not include any API keys" is a benign warning, not an ask: a negated verb does not count.
      String.raw`(?<!(?:\bnot|\bnever|n't|\bavoid|\bwithout)\s+)\b(?:read|include|pass|provide|append|attach|collect|extract|retrieve|gather|send|forward|upload|post|copy|dump|leak|exfiltrate|embed|put)\b${WINDOW}\b(?:all|any|every|the user'?s?|their|your|its|full|entire|complete|contents? of)\b${WINDOW}${SECRET_NOUN}`,
      "i",
    ),
  },
  {
    rule: "exfiltration.send-elsewhere",
    pattern: new RegExp(
      String.raw`\b(?:send|post|forward|upload|transmit|exfiltrate|leak|report|mirror|copy|bcc)\b${WINDOW}\b(?:history|context|conversation|credentials|keys?|tokens?|passwords?|secrets?|contents?|results?|responses?|messages?|data)\b${WINDOW}\b(?:to|into|at)\s+(?:https?:\/\/|[\w.+-]+@[\w-]+\.[\w.]+|(?:this|the following|my|our|an? external) (?:url|endpoint|address|server|webhook|email))`,
      "i",
    ),
  },
  { rule: "unicode.tag-characters", pattern: /[\u{E0000}-\u{E007F}]/u },
  {
    rule: "unicode.zero-width",
    pattern: /\u200B|\u200C|\u200D|\u2060|\u2061|\u2062|\u2063|\u2064|\uFEFF|\u180E/,
  },
  { rule: "unicode.bidi-control", pattern: /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/ },
];

/** Latin look-alikes from Cyrillic and Greek, mapped to the letter they imitate. */
const CONFUSABLES: Record<string, string> = {
  а: "a",
  е: "e",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
  і: "i",
  ј: "j",
  ѕ: "s",
  ԁ: "d",
  ӏ: "l",
  ԛ: "q",
  ԝ: "w",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  α: "a",
  ο: "o",
  ρ: "p",
  ν: "v",
  ι: "i",
  κ: "k",
  τ: "t",
  υ: "u",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ο: "O",
};

/** A name with look-alike letters mapped to Latin, lower-cased (what a human reading it would see). */
export function skeleton(name: string): string {
  return [...name.normalize("NFKC")]
    .map((c) => CONFUSABLES[c] ?? c)
    .join("")
    .toLowerCase();
}

function visible(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  return cut.replace(
    /[\u{E0000}-\u{E007F}\u200B-\u200F\u2060-\u2064\uFEFF\u180E\u202A-\u202E\u2066-\u2069\u061C]/gu,
    (c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
}

/** Every string of a definition worth reading, with where it sits. */
function texts(tool: Tool): [string, string][] {
  const out: [string, string][] = [["name", tool.name]];
  if (tool.description) out.push(["description", tool.description]);
  if (tool.title) out.push(["title", tool.title]);
  if (typeof tool.annotations?.title === "string") out.push(["annotations.title", tool.annotations.title]);
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 32) return;
    if (typeof value === "string") out.push([path, value]);
    else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`, depth + 1);
    } else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        // Property names are text the model reads too: `ignore_previous_instructions` is an instruction.
        if (path.endsWith(".properties")) out.push([`${path}.${key}`, key.replace(/[_-]+/g, " ")]);
        walk(v, `${path}.${key}`, depth + 1);
      }
    }
  };
  walk(tool.inputSchema, "inputSchema", 0);
  return out;
}

/** What the rest of the catalog looks like, for shadowing and look-alike checks. */
export interface CatalogView {
  /** Tool name → servers that have it (every backend but the scanned one counts as "other"). */
  toolsByName: ReadonlyMap<string, readonly string[]>;
  /** Skeleton of every tool name → the names that have it. */
  skeletons?: ReadonlyMap<string, readonly string[]>;
}

/** Finds in one tool definition hidden instructions, invisible Unicode, exfiltration asks and shadowing. */
export function scanTool(tool: Tool, server: string, catalog?: CatalogView): PoisonFinding[] {
  const findings: PoisonFinding[] = [];
  for (const [field, text] of texts(tool)) {
    for (const { rule, pattern } of TEXT_RULES) {
      const match = pattern.exec(text);
      if (match) findings.push({ rule, field, span: visible(match[0]) });
    }
  }
  if (/[^\x20-\x7E]/.test(tool.name)) {
    findings.push({ rule: "unicode.non-ascii-name", field: "name", span: visible(tool.name) });
  }
  if (!catalog) return findings;
  const own = skeleton(tool.name);
  for (const other of catalog.skeletons?.get(own) ?? []) {
    if (other !== tool.name) {
      findings.push({
        rule: "shadowing.look-alike-name",
        field: "name",
        span: `${visible(tool.name)} ≈ ${other}`,
      });
      break;
    }
  }
  const description = tool.description ?? "";
  // Another server's tool named in this one's description: a definition steering how others are used.
  for (const word of new Set(description.match(/\b[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+\b/g) ?? [])) {
    const servers = catalog.toolsByName.get(word);
    if (!servers || servers.includes(server) || word === tool.name) continue;
    findings.push({
      rule: "shadowing.other-server-tool",
      field: "description",
      span: `${word} (a tool of ${servers.join(", ")})`,
    });
  }
  return findings;
}

/** The catalog view of a set of (server, tool) pairs. */
export function catalogView(entries: Iterable<{ server: string; tool: Tool }>): CatalogView {
  const toolsByName = new Map<string, string[]>();
  const skeletons = new Map<string, string[]>();
  for (const { server, tool } of entries) {
    const servers = toolsByName.get(tool.name) ?? [];
    servers.push(server);
    toolsByName.set(tool.name, servers);
    const key = skeleton(tool.name);
    const names = skeletons.get(key) ?? [];
    if (!names.includes(tool.name)) names.push(tool.name);
    skeletons.set(key, names);
  }
  return { toolsByName, skeletons };
}
