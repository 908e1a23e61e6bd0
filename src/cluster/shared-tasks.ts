import { z } from "zod";
import type { SharedTaskRoutes, TaskRoute } from "../gateway/task-routes.ts";
import type { RedisLink } from "./redis-link.ts";
import { safeJson } from "./safe-json.ts";

const Route = z.strictObject({
  id: z.string().max(1000),
  surface: z.string().max(200),
  backend: z.string().max(200),
  taskId: z.string().max(1000),
  tool: z.string().max(200),
  principal: z.string().max(500),
  session: z.string().max(200),
  expiresAt: z.number(),
  replica: z.string().max(64),
});

/**
 * Task routes in Redis, so a `tasks/get` that lands on another replica finds the backend that owns the
 * task: one key `<prefix>task:<surface>:<id>` per task (the route as JSON), expiring with the route.
 * Written without waiting; read only when this replica does not know the id. While Redis is down each
 * replica knows its own tasks only.
 */
export class RedisTasks implements SharedTaskRoutes {
  readonly #link: RedisLink;
  readonly #now: () => number;

  constructor(link: RedisLink, now: () => number = Date.now) {
    this.#link = link;
    this.#now = now;
  }

  put(route: TaskRoute): void {
    const ms = Math.ceil(route.expiresAt - this.#now());
    if (ms <= 0) return;
    void this.#link.send("SET", [
      this.#key(route.surface, route.id),
      JSON.stringify(route),
      "PX",
      String(ms),
    ]);
  }

  async get(surface: string, id: string): Promise<TaskRoute | undefined> {
    const text = await this.#link.send("GET", [this.#key(surface, id)]);
    if (typeof text !== "string") return undefined;
    const route = Route.safeParse(safeJson(text));
    return route.success ? route.data : undefined;
  }

  delete(route: TaskRoute): void {
    void this.#link.send("DEL", [this.#key(route.surface, route.id)]);
  }

  #key(surface: string, id: string): string {
    return `${this.#link.prefix}task:${surface}:${id}`;
  }
}
