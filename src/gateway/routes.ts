import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import type { Prompt, Resource, ResourceTemplate } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import { exposedName } from "./tool-names.ts";

/** A prompt as one surface shows it, and where it really lives. */
export interface PromptRoute {
  prompt: Prompt;
  backend: Backend;
  original: string;
}

/**
 * Resolves the resources, templates and prompts of a set of backends (all of them on `/mcp`, one on
 * `/mcp/{backend}`). On the aggregate surface prompt names are `<server>__<prompt>` like tools, and the
 * bare name also works when only one backend has it; resource URIs stay as the backend wrote them and are
 * routed by exact match, then by template.
 */
export class Routes {
  readonly #backends: () => Backend[];
  readonly #prefix: boolean;

  constructor(backends: () => Backend[], options: { prefix: boolean }) {
    this.#backends = backends;
    this.#prefix = options.prefix;
  }

  backends(): Backend[] {
    return this.#backends();
  }

  resources(): Resource[] {
    const seen = new Set<string>();
    const out: Resource[] = [];
    for (const backend of this.#backends()) {
      for (const resource of backend.resources ?? []) {
        // The first backend listing a URI owns it; later duplicates stay reachable via /mcp/{backend}.
        if (seen.has(resource.uri)) continue;
        seen.add(resource.uri);
        out.push(resource);
      }
    }
    return out;
  }

  templates(): ResourceTemplate[] {
    return this.#backends().flatMap((b) => [...(b.resourceTemplates ?? [])]);
  }

  prompts(): PromptRoute[] {
    return this.#backends().flatMap((backend) =>
      (backend.prompts ?? []).map((prompt) => {
        const name = this.#prefix ? exposedName(backend.name, prompt.name) : prompt.name;
        return { prompt: { ...prompt, name }, backend, original: prompt.name };
      }),
    );
  }

  /** The prompt behind a client-visible name (or an unambiguous bare name). */
  resolvePrompt(name: string): PromptRoute | undefined {
    const routes = this.prompts();
    const exact = routes.find((r) => r.prompt.name === name);
    if (exact) return exact;
    const bare = routes.filter((r) => r.original === name);
    return bare.length === 1 ? bare[0] : undefined;
  }

  /** The backend that serves a resource URI: listed URI first, then a matching template, then the only candidate. */
  resourceOwner(uri: string): Backend | undefined {
    const backends = this.#backends();
    const listed = backends.find((b) => (b.resources ?? []).some((r) => r.uri === uri));
    if (listed) return listed;
    const templated = backends.find((b) =>
      (b.resourceTemplates ?? []).some((t) => {
        try {
          return new UriTemplate(t.uriTemplate).match(uri) !== null;
        } catch {
          return false;
        }
      }),
    );
    if (templated) return templated;
    const capable = backends.filter((b) => b.capabilities?.resources !== undefined);
    return capable.length === 1 ? capable[0] : undefined;
  }

  /** The backend that owns a resource template (for completion/complete on ref/resource). */
  templateOwner(uriTemplate: string): Backend | undefined {
    return (
      this.#backends().find((b) => (b.resourceTemplates ?? []).some((t) => t.uriTemplate === uriTemplate)) ??
      this.resourceOwner(uriTemplate)
    );
  }
}
