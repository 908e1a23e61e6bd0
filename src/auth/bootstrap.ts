import { GatewayError } from "../errors.ts";
import { createKey, parseKey, readKeyFile, writeKeyFile } from "./keys.ts";

/** The name of the key the environment gives or the first start makes. */
export const ADMIN_KEY_NAME = "admin";

/** What {@link bootstrapAdminKey} did. */
export type Bootstrap =
  | { kind: "none" }
  | { kind: "given"; changed: boolean }
  /** A new key, to be shown once: the keys file holds only its hash. */
  | { kind: "generated"; key: string };

/**
 * The container's first-start keys: with `given` (`MCP_GATEWAY_ADMIN_KEY`), the keys file gets (or keeps)
 * an `admin` key with that value, hashed; else with `generate`, a keys file without any key gets a new
 * `admin` key. Anything else leaves the file alone.
 * @throws GatewayError USAGE when `given` is not shaped like a gateway key
 */
export async function bootstrapAdminKey(
  path: string,
  options: { given?: string | undefined; generate?: boolean | undefined },
): Promise<Bootstrap> {
  const keys = readKeyFile(path);
  const given = options.given?.trim();
  if (given) {
    const parsed = parseKey(given);
    if (!parsed) {
      throw new GatewayError(
        "USAGE",
        "MCP_GATEWAY_ADMIN_KEY is not a gateway key: it looks like mgw_<12 hex digits>_<43 base64url characters> (make one with mcp-gateway keys add NAME --scope admin, or leave it unset to get one generated)",
      );
    }
    const current = keys.find((k) => k.name === ADMIN_KEY_NAME);
    if (current?.id === parsed.id && (await Bun.password.verify(given, current.hash))) {
      return { kind: "given", changed: false };
    }
    const { record } = await createKey(ADMIN_KEY_NAME, { scopes: ["admin"], id: parsed.id, key: given });
    const others = keys.filter((k) => k.name !== ADMIN_KEY_NAME && k.id !== parsed.id);
    writeKeyFile(path, [...others, record]);
    return { kind: "given", changed: true };
  }
  if (!options.generate || keys.length > 0) return { kind: "none" };
  const { key, record } = await createKey(ADMIN_KEY_NAME, { scopes: ["admin"] });
  writeKeyFile(path, [record]);
  return { kind: "generated", key };
}
