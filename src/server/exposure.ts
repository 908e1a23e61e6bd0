/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * The warning to log when the gateway listens unauthenticated where other machines can reach it (the user
 * insisted with `server.allow_unauthenticated`): anyone who reaches the port can call every tool.
 * Undefined on loopback.
 */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return (
    `listening on ${host}, which other machines can reach, with no authentication: anyone who reaches this ` +
    "port can call every tool (bind 127.0.0.1, or add an auth: section and keys)"
  );
}

/**
 * Why the gateway must not start: a bind other machines can reach, without an `auth:` section, unless
 * the user insisted. Undefined when it may start.
 */
export function exposureRefusal(
  host: string,
  options: { auth: boolean; allowUnauthenticated: boolean },
): string | undefined {
  if (options.auth || options.allowUnauthenticated || isLoopbackHost(host)) return undefined;
  return (
    `refusing to listen on ${host} without authentication: anyone who reaches the port could call every ` +
    "tool. Add an auth: section and create a key (mcp-gateway keys add NAME --scope admin), bind 127.0.0.1, " +
    "or insist with --allow-unauthenticated (server.allow_unauthenticated: true, or " +
    "MCP_GATEWAY_ALLOW_UNAUTHENTICATED=1)"
  );
}
