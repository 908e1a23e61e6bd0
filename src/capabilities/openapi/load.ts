import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import $RefParser from "@apidevtools/json-schema-ref-parser";
import { parse as parseYaml } from "yaml";
import { errorMessage, GatewayError } from "../../errors.ts";
import type { FetchFn } from "../execute.ts";
import { refScope, scopedResolve } from "./ref-scope.ts";
import type { Json } from "./spec.ts";

/**
 * Reads a spec from a file or URL and resolves every `$ref` (local, relative file, URL) that stays within
 * the spec's origin or folder (see `ref-scope.ts`).
 * @throws GatewayError USAGE when the spec cannot be read or parsed, or a `$ref` fails or leaves its scope
 */
export async function loadSpec(source: string, options: { fetch?: FetchFn } = {}): Promise<unknown> {
  const remote = /^https?:\/\//i.test(source);
  const text = remote ? await fetchSpec(source, options.fetch) : readSpec(source);
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: -1 }) as unknown;
  } catch (cause) {
    throw new GatewayError("USAGE", `${source} is neither JSON nor YAML: ${errorMessage(cause)}`, { cause });
  }
  if (typeof document !== "object" || document === null) {
    throw new GatewayError("USAGE", `${source} is not an OpenAPI document`);
  }
  const scope = refScope(source);
  try {
    return await $RefParser.dereference(remote ? source : resolve(source), document as Json, {
      dereference: { circular: "ignore" },
      resolve: scopedResolve(scope, options.fetch ? { fetch: options.fetch } : {}),
    });
  } catch (cause) {
    throw new GatewayError("USAGE", `resolving $refs in ${source} failed: ${errorMessage(cause)}`, { cause });
  }
}

async function fetchSpec(source: string, fetchFn: FetchFn = (r) => fetch(r)): Promise<string> {
  const response = await fetchFn(new Request(source, { signal: AbortSignal.timeout(30_000) }));
  if (!response.ok) throw new GatewayError("USAGE", `cannot fetch ${source}: HTTP ${response.status}`);
  return await response.text();
}

function readSpec(source: string): string {
  try {
    return readFileSync(source, "utf8");
  } catch (cause) {
    throw new GatewayError("USAGE", `cannot read ${source}: ${errorMessage(cause)}`, { cause });
  }
}
