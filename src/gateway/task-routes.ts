import type { SessionPeer } from "./session-hub.ts";

/** Where one relayed task lives: the backend that owns it and who may ask about it. */
export interface TaskRoute {
  /** The id the client knows: the backend's own on `/mcp/{backend}`, `<backend>/<id>` on `/mcp`. */
  id: string;
  /** The surface it was created on (`direct:<backend>` or `transparent`); ids are looked up per surface. */
  surface: string;
  backend: string;
  /** The backend's own task id. */
  taskId: string;
  /** The backend's name of the tool the task runs (access checks and audit on later requests). */
  tool: string;
  /** The principal that created it; nobody else finds it. */
  principal: string;
  /** The creating session's label (tasks/list of an anonymous caller shows only its session's tasks). */
  session: string;
  /** When the route is dropped, ms since the epoch (the task's ttl, bounded). */
  expiresAt: number;
  /** The replica that created it (its cluster origin; `local` without a cluster). */
  replica: string;
}

/** The routes of other replicas (Redis, `src/cluster/shared-tasks.ts`). */
export interface SharedTaskRoutes {
  put(route: TaskRoute): void;
  get(surface: string, id: string): Promise<TaskRoute | undefined>;
  delete(route: TaskRoute): void;
}

/** Options of {@link TaskRoutes}. */
export interface TaskRoutesOptions {
  /** Routes kept at once; the oldest goes first. @default 10000 */
  max?: number;
  /** Lifetime of a task whose ttl is null (unlimited) or missing, and the bound on any ttl. @default 86400000 (24 h) */
  maxTtlMs?: number;
  /** Shared with the other replicas. @default none */
  shared?: SharedTaskRoutes | undefined;
  /** Clock, ms since the epoch. @default Date.now */
  now?: () => number;
}

const key = (surface: string, id: string): string => `${surface}\n${id}`;

/** The surface key of a surface (task ids are unique per surface only). */
export function taskSurface(surface: { kind: string; backend?: string }): string {
  return surface.kind === "direct" ? `direct:${surface.backend}` : surface.kind;
}

/**
 * Task id → owning backend, for every task the gateway relayed: bounded in count, each entry dropped when
 * its task's ttl has passed. The creating session is kept here (not shared) so the backend's status
 * notifications reach it.
 */
export class TaskRoutes {
  readonly #routes = new Map<string, TaskRoute>();
  /** `<backend>\n<backend's id>` → route keys (a task relayed on several surfaces is one task). */
  readonly #owned = new Map<string, Set<string>>();
  readonly #peers = new Map<string, SessionPeer>();
  readonly #max: number;
  readonly #maxTtl: number;
  readonly #shared: SharedTaskRoutes | undefined;
  readonly #now: () => number;

  constructor(options: TaskRoutesOptions = {}) {
    this.#max = options.max ?? 10_000;
    this.#maxTtl = options.maxTtlMs ?? 86_400_000;
    if (!(this.#max >= 1)) throw new RangeError("TaskRoutes: max must be at least 1");
    if (!(this.#maxTtl > 0)) throw new RangeError("TaskRoutes: maxTtlMs must be positive");
    this.#shared = options.shared;
    this.#now = options.now ?? Date.now;
  }

  /** Routes held on this replica. */
  get size(): number {
    return this.#routes.size;
  }

  /** The expiry of a task with this ttl (ms; null or missing: unlimited, so the bound). */
  expiry(ttl: unknown): number {
    const ms = typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0 ? ttl : this.#maxTtl;
    return this.#now() + Math.min(ms, this.#maxTtl);
  }

  /** Remembers a route (and the session to tell about its status), here and on the other replicas. */
  remember(route: TaskRoute, peer?: SessionPeer): void {
    this.#sweep();
    const k = key(route.surface, route.id);
    this.#drop(k);
    while (this.#routes.size >= this.#max) {
      const oldest = this.#routes.keys().next().value;
      if (oldest === undefined) break;
      this.#drop(oldest);
    }
    this.#routes.set(k, route);
    const owner = key(route.backend, route.taskId);
    const keys = this.#owned.get(owner) ?? new Set<string>();
    keys.add(k);
    this.#owned.set(owner, keys);
    if (peer) this.#peers.set(k, peer);
    this.#shared?.put(route);
  }

  /** Extends a route to a new ttl the backend reported (tasks/get). */
  touch(route: TaskRoute, ttl: unknown): void {
    const expiresAt = this.expiry(ttl);
    if (expiresAt <= route.expiresAt) return;
    route.expiresAt = expiresAt;
    this.#shared?.put(route);
  }

  /**
   * The route of a task id on a surface, when this principal created it (here or on another replica);
   * undefined for an unknown, expired or foreign id alike.
   */
  async find(surface: string, id: string, principal: string): Promise<TaskRoute | undefined> {
    const k = key(surface, id);
    let route = this.#routes.get(k);
    if (route && route.expiresAt <= this.#now()) {
      this.#drop(k);
      route = undefined;
    }
    if (!route && this.#shared) {
      const found = await this.#shared.get(surface, id);
      if (found && found.expiresAt > this.#now() && found.surface === surface && found.id === id) {
        route = found;
      }
    }
    return route && route.principal === principal ? route : undefined;
  }

  /** The live routes of one principal on a surface (of one session too, when `session` is given), oldest first. */
  list(surface: string, principal: string, session?: string): TaskRoute[] {
    this.#sweep();
    return [...this.#routes.values()].filter(
      (r) =>
        r.surface === surface &&
        r.principal === principal &&
        (session === undefined || r.session === session),
    );
  }

  /** The routes of a backend's task with the sessions that created them (status notifications). */
  owners(backend: string, taskId: string): { route: TaskRoute; peer: SessionPeer | undefined }[] {
    const keys = this.#owned.get(key(backend, taskId));
    if (!keys) return [];
    return [...keys].flatMap((k) => {
      const route = this.#routes.get(k);
      return route ? [{ route, peer: this.#peers.get(k) }] : [];
    });
  }

  /** Forgets a route (the backend no longer knows its task): here, and in Redis when `everywhere`. */
  forget(route: TaskRoute, everywhere = true): void {
    this.#drop(key(route.surface, route.id));
    if (everywhere) this.#shared?.delete(route);
  }

  /** Forgets the session of every route it created (it closed; its tasks stay reachable by id). */
  detach(peer: SessionPeer): void {
    for (const [k, p] of this.#peers) if (p === peer) this.#peers.delete(k);
  }

  #sweep(): void {
    const now = this.#now();
    // Routes have different ttls, so insertion order says nothing about expiry: check all (at most `max`,
    // on writes and lists only).
    for (const [k, route] of this.#routes) if (route.expiresAt <= now) this.#drop(k);
  }

  #drop(k: string): void {
    const route = this.#routes.get(k);
    if (!route) return;
    this.#routes.delete(k);
    this.#peers.delete(k);
    const owner = key(route.backend, route.taskId);
    const keys = this.#owned.get(owner);
    keys?.delete(k);
    if (keys?.size === 0) this.#owned.delete(owner);
  }
}
