import { isLazy } from "../backends/pool.ts";
import { diffConfig } from "../config/reload.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import { WEBHOOKS_BACKEND, WebhookBackend } from "../webhooks/backend.ts";
import { buildBackend, buildCapabilities, buildWebhooks } from "./backends-from-config.ts";
import type { GatewayCore } from "./core.ts";

/** What a reload did, for logs and tests. */
export interface ReloadReport {
  added: string[];
  removed: string[];
  restarted: string[];
  needsRestart: string[];
}

/**
 * Applies a new, already validated config to a running gateway: starts added backends, stops removed
 * ones, replaces changed ones. Untouched backends and every client session stay up; sessions hear
 * list_changed through the pool's events.
 */
export async function applyConfig(gateway: GatewayCore, next: GatewayConfig): Promise<ReloadReport> {
  const previous = gateway.config;
  const diff = diffConfig(previous, next);
  gateway.config = next;
  // Changed backends get fresh policies when they are replaced below; a changed failsafe section touches all.
  if (JSON.stringify(previous.failsafe) !== JSON.stringify(next.failsafe)) gateway.resetPolicies();
  const pool = gateway.pool;
  await Promise.all([...diff.removed, ...diff.changed].map((name) => pool.remove(name)));
  const starting: Promise<void>[] = [];
  for (const name of [...diff.added, ...diff.changed]) {
    const backend = buildBackend(name, next);
    if (!backend) continue;
    pool.add(backend);
    if (!isLazy(name, next) || backend.snapshot().toolsSource !== "manifest") {
      starting.push(backend.start().catch((err) => log.withTag(name).error(errorMessage(err))));
    }
  }
  if (diff.capabilities) {
    await pool.remove(previous.capabilities.name);
    const capabilities = buildCapabilities(next);
    if (capabilities) {
      pool.add(capabilities);
      starting.push(capabilities.start().catch((err) => log.error(errorMessage(err))));
    }
  }
  // A changed webhooks section starts its buffers afresh; sessions keep their subscriptions (by name).
  if (JSON.stringify(previous.webhooks) !== JSON.stringify(next.webhooks)) {
    if (pool.get(WEBHOOKS_BACKEND) instanceof WebhookBackend) await pool.remove(WEBHOOKS_BACKEND);
    const replaced = buildWebhooks(next);
    if (replaced) {
      pool.add(replaced);
      starting.push(replaced.start());
    }
  }
  for (const setting of diff.needsRestart) log.warn(`${setting} changed: restart the gateway to apply it`);
  await Promise.all(starting);
  return {
    added: diff.added,
    removed: diff.removed,
    restarted: diff.changed,
    needsRestart: diff.needsRestart,
  };
}
