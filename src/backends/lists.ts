import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type {
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
import type { ListKind, ToolsSource } from "./backend.ts";
import type { ManifestStore } from "./manifest.ts";
import { listAll } from "./requests.ts";

/** Options for one backend's lists. */
export interface BackendListsOptions {
  /** Where the lists are remembered between runs. */
  manifest?: { store: ManifestStore; key: string } | undefined;
  /** Timeout of each list page request. */
  timeoutMs: number;
  now: () => number;
  log: ConsolaInstance;
}

/**
 * What one backend offers (tools, resources, templates, prompts, capabilities), read live with pagination
 * and remembered on disk, so a sleeping backend stays searchable and routable on the next run.
 */
export class BackendLists {
  tools: Tool[] = [];
  resources: Resource[] = [];
  templates: ResourceTemplate[] = [];
  prompts: Prompt[] = [];
  capabilities: ServerCapabilities | undefined;
  /** When the tool list was last read from the backend (ms since epoch). */
  listedAt: number | undefined;
  source: ToolsSource = "none";
  readonly #options: BackendListsOptions;

  constructor(options: BackendListsOptions) {
    this.#options = options;
  }

  /** Takes the lists from the manifest, if there is one; true when it was found. */
  restore(): boolean {
    const manifest = this.#options.manifest;
    const remembered = manifest?.store.read(manifest.key);
    if (!remembered) return false;
    this.tools = remembered.tools;
    this.resources = remembered.resources ?? [];
    this.templates = remembered.resourceTemplates ?? [];
    this.prompts = remembered.prompts ?? [];
    this.capabilities = remembered.capabilities;
    this.listedAt = remembered.listedAt;
    this.source = "manifest";
    return true;
  }

  /** Reads every list the backend's capabilities announce (after initialize). */
  async load(client: Client): Promise<void> {
    this.capabilities = client.getServerCapabilities();
    const caps = this.capabilities ?? {};
    const [tools, resources, templates, prompts] = await Promise.all([
      caps.tools ? this.#list<Tool>(client, "tools/list", "tools") : [],
      caps.resources ? this.#list<Resource>(client, "resources/list", "resources") : [],
      caps.resources ? this.#templates(client) : [],
      caps.prompts ? this.#list<Prompt>(client, "prompts/list", "prompts") : [],
    ]);
    this.tools = tools;
    this.resources = resources;
    this.templates = templates;
    this.prompts = prompts;
    this.#listed();
  }

  /** Re-reads one kind of list; true when it changed (tools are compared, other kinds always count). */
  async reload(client: Client, kind: ListKind): Promise<boolean> {
    let changed = true;
    if (kind === "tools") {
      const tools = await this.#list<Tool>(client, "tools/list", "tools");
      this.listedAt = this.#options.now();
      // Only a real change invalidates the catalog (and clients' caches via list_changed).
      changed = JSON.stringify(tools) !== JSON.stringify(this.tools);
      this.tools = tools;
    } else if (kind === "resources") {
      [this.resources, this.templates] = await Promise.all([
        this.#list<Resource>(client, "resources/list", "resources"),
        this.#templates(client),
      ]);
    } else {
      this.prompts = await this.#list<Prompt>(client, "prompts/list", "prompts");
    }
    if (changed) this.#listed();
    return changed;
  }

  #list<T>(client: Client, method: string, field: string): Promise<T[]> {
    return listAll<T>(client, { method, field }, { timeoutMs: this.#options.timeoutMs });
  }

  /** Templates are optional even for servers with resources: a refusal means none. */
  #templates(client: Client): Promise<ResourceTemplate[]> {
    return this.#list<ResourceTemplate>(client, "resources/templates/list", "resourceTemplates").catch(
      () => [],
    );
  }

  /** Marks the lists live and remembers them on disk. */
  #listed(): void {
    this.listedAt = this.#options.now();
    this.source = "live";
    const manifest = this.#options.manifest;
    if (!manifest) return;
    try {
      manifest.store.write(manifest.key, {
        tools: this.tools,
        resources: this.resources,
        resourceTemplates: this.templates,
        prompts: this.prompts,
        ...(this.capabilities ? { capabilities: this.capabilities } : {}),
        listedAt: this.listedAt,
      });
    } catch (err) {
      this.#options.log.debug(`cannot write tool manifest: ${errorMessage(err)}`);
    }
  }
}
