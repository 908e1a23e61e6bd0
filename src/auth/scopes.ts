import type { ProfileConfig } from "../config/schema.ts";
import type { Principal } from "../gateway/call-context.ts";
import type { AccessTarget } from "../gateway/hooks.ts";

/** The scope that grants everything, `/health` details and `/metrics` included. */
export const ADMIN_SCOPE = "admin";

type Match = (text: string) => boolean;

/** A `*`/`?` glob as a matcher (`*` never crosses the `/` between server and tool). */
export function globMatcher(glob: string): Match {
  if (!/[*?]/.test(glob)) return (text) => text === glob;
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  const pattern = new RegExp(`^${source}$`);
  return (text) => pattern.test(text);
}

function any(globs: readonly string[]): Match {
  const matchers = globs.map(globMatcher);
  return (text) => matchers.some((m) => m(text));
}

/** What one profile (or one ad-hoc scope) allows. */
interface Grant {
  servers: Match;
  /** `server/tool` globs. */
  tools: Match;
  /** Server part of each tool glob: the server is visible when one of them matches. */
  toolServers: Match;
  resources: Match;
  prompts: Match;
  readOnly: boolean;
}

/** Everything a principal may do, compiled from its scopes and the configured profiles. */
export interface Access {
  admin: boolean;
  grants: Grant[];
  denyServers: Match;
  denyTools: Match;
  /** `profile:<name>` scopes naming no configured profile (they grant nothing). */
  unknownProfiles: string[];
}

const NOTHING: Match = () => false;

function grantOf(profile: Partial<ProfileConfig>): Grant {
  const tools = profile.tools ?? [];
  return {
    servers: any(profile.servers ?? []),
    tools: any(tools),
    toolServers: any(tools.map((t) => t.slice(0, t.indexOf("/")))),
    resources: any(profile.resources ?? []),
    prompts: any(profile.prompts ?? []),
    readOnly: profile.read_only ?? false,
  };
}

/**
 * Compiles scopes: `admin` (everything), `profile:<name>` (a configured profile), `server` (every tool,
 * resource and prompt of matching servers) or `server/tool` (matching tools), globs allowed. Denies of any
 * profile win over every allow.
 */
export function compileAccess(
  scopes: readonly string[],
  profiles: Readonly<Record<string, ProfileConfig>>,
): Access {
  const grants: Grant[] = [];
  const denyServers: string[] = [];
  const denyTools: string[] = [];
  const unknownProfiles: string[] = [];
  let admin = false;
  for (const scope of scopes) {
    if (scope === ADMIN_SCOPE) admin = true;
    else if (scope.startsWith("profile:")) {
      const name = scope.slice("profile:".length);
      const profile = profiles[name];
      if (!profile) {
        unknownProfiles.push(name);
        continue;
      }
      grants.push(grantOf(profile));
      denyServers.push(...profile.deny_servers);
      denyTools.push(...profile.deny_tools);
    } else if (scope.includes("/")) grants.push(grantOf({ tools: [scope] }));
    else grants.push(grantOf({ servers: [scope] }));
  }
  return {
    admin,
    grants,
    denyServers: denyServers.length > 0 ? any(denyServers) : NOTHING,
    denyTools: denyTools.length > 0 ? any(denyTools) : NOTHING,
    unknownProfiles,
  };
}

/** True when the access allows the target (`name: "*"`: anything of that kind on the server). */
export function allows(access: Access, target: AccessTarget): boolean {
  if (access.admin) return true;
  const { server, kind, name } = target;
  if (access.denyServers(server)) return false;
  const whole = name === "*";
  if (kind === "tool" && !whole && access.denyTools(`${server}/${name}`)) return false;
  return access.grants.some((g) => {
    switch (kind) {
      case "tool":
        if (whole) return g.servers(server) || g.toolServers(server);
        if (g.readOnly && target.readOnly !== true) return false;
        return g.servers(server) || g.tools(`${server}/${name}`);
      case "resource":
      case "subscription":
        return g.servers(server) || g.resources(server);
      case "prompt":
        return g.servers(server) || g.prompts(server);
      default: // completion: of a prompt or a resource template
        return g.servers(server) || g.prompts(server) || g.resources(server);
    }
  });
}

/** True for a principal with the admin scope, or one the process trusts whole (no scopes at all). */
export function isAdmin(principal: Principal): boolean {
  return principal.scopes === undefined || principal.scopes.includes(ADMIN_SCOPE);
}
