const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Options for DNS-rebinding protection. */
export interface OriginPolicy {
  /** The address the gateway is bound to. */
  bindHost: string;
  /** Extra browser origins allowed (exact `scheme://host[:port]`). */
  allowedOrigins: readonly string[];
}

/**
 * Why a request must be refused as a possible DNS-rebinding attack, or undefined when it may pass:
 * a browser Origin that is not loopback or explicitly allowed, or (when bound to loopback, unless
 * `checkHost` is false) a Host header naming anything but a loopback address.
 */
export function rejectForeignOrigin(
  request: Request,
  policy: OriginPolicy,
  options: { checkHost?: boolean } = {},
): string | undefined {
  const origin = request.headers.get("origin");
  if (origin && origin !== "null") {
    let hostname: string;
    try {
      hostname = new URL(origin).hostname;
    } catch {
      return `malformed Origin "${origin}"`;
    }
    if (!isLoopbackHost(hostname) && !policy.allowedOrigins.includes(origin)) {
      return `Origin "${origin}" is not allowed (add it to server.allowed_origins to permit it)`;
    }
  } else if (origin === "null") {
    return 'Origin "null" is not allowed';
  }
  if (options.checkHost !== false && isLoopbackHost(policy.bindHost)) {
    const host = request.headers.get("host");
    if (host) {
      const hostname = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
      if (!isLoopbackHost(hostname ?? "")) return `Host "${host}" is not a loopback name`;
    }
  }
  return undefined;
}
