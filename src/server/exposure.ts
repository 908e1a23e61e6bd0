/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * The warning to log when the gateway listens where other machines can reach it: there is no
 * authentication yet, so anyone who reaches the port can call every tool. Undefined on loopback.
 */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return (
    `listening on ${host}, which other machines can reach: the gateway has no authentication yet, so anyone ` +
    "who reaches this port can call every tool (bind 127.0.0.1 unless a proxy in front authenticates)"
  );
}
