import { readFileSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FileInfo, ParserOptions } from "@apidevtools/json-schema-ref-parser";
import { errorMessage, GatewayError } from "../../errors.ts";
import type { FetchFn } from "../execute.ts";

/**
 * Where a spec's external `$ref`s may point. A spec fetched over HTTP(S) may only reference URLs of its
 * own origin, a local spec only files under its own folder: otherwise a remote spec could pull local files
 * (`file:///…`) or internal URLs into generated capabilities, whose values are later sent to the spec's host.
 */
export type RefScope =
  | { kind: "origin"; origin: string }
  | { kind: "folder"; folder: string; realFolder: string };

/** The scope of the spec at `source` (an http(s) URL or a file path). */
export function refScope(source: string): RefScope {
  if (/^https?:\/\//i.test(source)) return { kind: "origin", origin: new URL(source).origin };
  const folder = dirname(resolve(source));
  return { kind: "folder", folder, realFolder: realpathSync(folder) };
}

/** Options for {@link scopedResolve}. */
export interface ScopedResolveOptions {
  /** Reads same-origin refs of a remote spec. @default global fetch */
  fetch?: FetchFn;
  /** Per request. @default 30000 */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;

/**
 * The ref parser's `resolve` options for `scope`: its own file and HTTP resolvers off, one resolver that
 * reads what lies inside the scope and one that refuses the rest with an error naming the `$ref`.
 */
export function scopedResolve(scope: RefScope, options: ScopedResolveOptions = {}): ParserOptions["resolve"] {
  return {
    external: true,
    file: false,
    http: false,
    inScope: {
      order: 1,
      canRead: (file: FileInfo) => inScope(scope, file.url),
      read: (file: FileInfo) =>
        scope.kind === "origin" ? fetchInOrigin(file, scope.origin, options) : readInFolder(file, scope),
    },
    outOfScope: {
      order: 2,
      canRead: (file: FileInfo) => !inScope(scope, file.url),
      read: (file: FileInfo) => {
        throw refused(file, scope);
      },
    },
  };
}

function inScope(scope: RefScope, url: string): boolean {
  if (scope.kind === "origin") return originOf(url) === scope.origin;
  const path = localPath(url);
  return path !== undefined && isInside(scope.folder, path);
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The file a resolved ref names: a `file:` URL or a (percent-encoded) path; undefined for other schemes. */
function localPath(url: string): string | undefined {
  try {
    if (/^file:/i.test(url)) return fileURLToPath(url);
    // Two letters at least, so a Windows drive (`C:`) still reads as a path.
    if (/^[a-z][a-z0-9+.-]+:/i.test(url)) return undefined;
    return resolve(decodeURIComponent(url));
  } catch {
    return undefined;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Reads a file under the spec's folder; a symlink that leads out of the folder is refused as well. */
function readInFolder(file: FileInfo, scope: RefScope & { kind: "folder" }): Buffer {
  const path = localPath(file.url) ?? file.url;
  let real: string;
  try {
    real = realpathSync(path);
  } catch (cause) {
    throw new GatewayError("USAGE", `cannot read $ref ${quoted(file)}: ${errorMessage(cause)}`, { cause });
  }
  if (!isInside(scope.realFolder, real)) throw refused(file, scope, ` (a link to ${real})`);
  return readFileSync(real);
}

/** Fetches a same-origin ref, following redirects only while they stay on that origin. */
async function fetchInOrigin(file: FileInfo, origin: string, options: ScopedResolveOptions): Promise<string> {
  const fetchFn = options.fetch ?? ((request: Request) => fetch(request));
  let target = new URL(file.url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetchFn(
      new Request(target.href, {
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      }),
    );
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      target = new URL(location, target);
      if (target.origin !== origin)
        throw refused(file, { kind: "origin", origin }, ` (redirected to ${target.href})`);
      continue;
    }
    if (!response.ok)
      throw new GatewayError("USAGE", `cannot fetch $ref ${quoted(file)}: HTTP ${response.status}`);
    return await response.text();
  }
  throw new GatewayError("USAGE", `cannot fetch $ref ${quoted(file)}: more than ${MAX_REDIRECTS} redirects`);
}

/** `"../x.yaml" (/abs/x.yaml)`: the ref as written, and where it resolved when that differs. */
function quoted(file: FileInfo): string {
  const written = file.reference ?? file.url;
  return written === file.url ? `"${written}"` : `"${written}" (${file.url})`;
}

function refused(file: FileInfo, scope: RefScope, detail = ""): GatewayError {
  const rule =
    scope.kind === "origin"
      ? `outside ${scope.origin}, the spec's origin (a spec fetched over HTTP may only reference URLs of its own origin)`
      : `outside ${scope.folder}, the spec's folder (a local spec may only reference files under its own folder)`;
  return new GatewayError("USAGE", `$ref ${quoted(file)}${detail} points ${rule}`);
}
