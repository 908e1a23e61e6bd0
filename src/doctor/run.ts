import { type CheckResult, checkBackend, checkConfig, checkPort } from "./checks.ts";

/** Options for a doctor run. */
export interface DoctorOptions {
  config?: string | undefined;
  /** Overrides server.port / server.host for the port check. */
  port?: number | undefined;
  host?: string | undefined;
  /** Per-backend start limit in ms; @default the backend's timeout, else server.request_timeout */
  timeoutMs?: number | undefined;
  env?: Record<string, string | undefined>;
  /** Told what is being checked, e.g. to draw a spinner line. */
  onProgress?: (text: string) => void;
}

/** Runs every check in order: config and env, port, then all backends in parallel. */
export async function runDoctor(options: DoctorOptions = {}): Promise<CheckResult[]> {
  const findings = checkConfig({ flag: options.config, ...(options.env ? { env: options.env } : {}) });
  const results = [...findings.results];
  const config = findings.config;
  if (!config) return results;
  options.onProgress?.("checking the port…");
  results.push(await checkPort(options.host ?? config.server.host, options.port ?? config.server.port));
  const entries = Object.entries(config.backends);
  const surfaced = new Map<string, string[]>();
  for (const spec of config.meta_mcp.surfaced) {
    const slash = spec.indexOf("/");
    const server = spec.slice(0, slash);
    if (config.backends[server] === undefined) {
      results.push({
        kind: "config",
        subject: spec,
        status: "warn",
        message: `meta_mcp.surfaced: "${spec}" names no backend "${server}"; it is left out of tools/list`,
      });
      continue;
    }
    surfaced.set(server, [...(surfaced.get(server) ?? []), spec.slice(slash + 1)]);
  }
  let finished = 0;
  const report = (): void => options.onProgress?.(`starting backends… ${finished}/${entries.length}`);
  report();
  const backendResults = await Promise.all(
    entries.map(async ([name, entry]) => {
      const result = await checkBackend(name, entry, {
        defaultTimeoutMs: config.server.request_timeout,
        surfaced: surfaced.get(name) ?? [],
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      finished++;
      report();
      return result;
    }),
  );
  results.push(...backendResults);
  return results;
}
