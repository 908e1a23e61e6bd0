import type { ArgsDef } from "citty";
import { GatewayError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";

/**
 * Rejects flags the command does not define (citty ignores them), so `--prot 8080` fails loudly with a
 * did-you-mean instead of silently starting on the default port.
 * @throws GatewayError USAGE
 */
export function assertKnownFlags(rawArgs: readonly string[], args: ArgsDef): void {
  const known = new Set<string>(["help", "h", "version", "v"]);
  for (const [name, def] of Object.entries(args)) {
    known.add(name);
    const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const alias of aliases) known.add(alias);
  }
  for (const raw of rawArgs) {
    if (raw === "--") break;
    if (!raw.startsWith("-") || raw === "-") continue;
    const name = raw.replace(/^-{1,2}/, "").split("=")[0] ?? "";
    const bare = name.startsWith("no-") ? name.slice(3) : name;
    if (!known.has(name) && !known.has(bare)) {
      const longNames = [...known].filter((k) => k.length > 1).map((k) => `--${k}`);
      throw new GatewayError("USAGE", `unknown option "${raw}"${didYouMean(`--${name}`, longNames)}`);
    }
  }
}
