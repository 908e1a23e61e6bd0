import { addKey } from "../../src/auth/manage.ts";
import { type AuthGateway, startAuthGateway } from "../auth/helpers.ts";
import { serverCommand } from "./paths.ts";

/** The `ws:`/`wss:` URL of a front end's path (its `/ws` by default). */
export function wsUrl(base: URL, path = "/ws"): URL {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

/** A gateway with `auth:` in front of server-everything, and one API key with these scopes. */
export async function startKeyedEverything(scopes: string[]): Promise<{ gw: AuthGateway; key: string }> {
  const gw = await startAuthGateway(`
auth: {}
capabilities:
  enabled: false
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`);
  const key = await addKey(gw.keysPath, "ws-client", { scopes });
  gw.auth?.reloadKeys();
  return { gw, key };
}
