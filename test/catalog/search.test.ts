import { describe, expect, test } from "bun:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogEntry } from "../../src/catalog/catalog.ts";
import type { SearchSource } from "../../src/catalog/ranker.ts";
import { ToolSearch } from "../../src/catalog/search.ts";

interface FakeBackend {
  name: string;
  description: string;
  tools: Tool[];
}

function tool(name: string, description: string, params: Record<string, string> = {}): Tool {
  const properties = Object.fromEntries(
    Object.entries(params).map(([key, text]) => [key, { type: "string", description: text }]),
  );
  return { name, description, inputSchema: { type: "object", properties } };
}

function fakeBackend(name: string, description: string, tools: Tool[]): FakeBackend {
  return { name, description, tools };
}

/** A catalog stand-in: entries of the given backends, with a version bumped by `changed()`. */
function fakeCatalog(backends: FakeBackend[]): SearchSource & { changed(): void } {
  let version = 0;
  return {
    get version() {
      return version;
    },
    entries: (): CatalogEntry[] =>
      backends.flatMap((b) =>
        b.tools.map((tool) => ({ server: b.name, serverDescription: b.description, tool })),
      ),
    changed: () => {
      version++;
    },
  };
}

function searchOver(backends: FakeBackend[]): ToolSearch {
  return new ToolSearch(fakeCatalog(backends));
}

const backends = [
  fakeBackend("weather", "Weather forecasts", [
    tool("get_weather", "Get current weather and forecast for a location.", { city: "City name" }),
  ]),
  fakeBackend("browser", "Browser automation", [
    tool("browser_screenshot", "Take a screenshot of the current page"),
    tool("browser_navigate", "Navigate to a URL"),
  ]),
  fakeBackend("ui", "UI components", [tool("getButtons", "Implementation details for rainbow-button")]),
  fakeBackend("slides", "PowerPoint files", [
    tool("create_presentation", "Create a new PowerPoint presentation."),
  ]),
  fakeBackend("trends", "热榜", [tool("get-weibo-trending", "获取微博热搜榜单")]),
  fakeBackend("fs", "Files", [
    tool("read_file", "Read the complete contents of a file."),
    tool("list_directory", "List the files of a directory."),
  ]),
];

function names(search: ToolSearch, query: string, limit = 5): string[] {
  return search.search(query, limit).map((m) => m.entry.tool.name);
}

function expectDescending(matches: ReadonlyArray<{ score: number }>): void {
  for (let i = 1; i < matches.length; i++) {
    expect((matches[i - 1] as { score: number }).score).toBeGreaterThanOrEqual(
      (matches[i] as { score: number }).score,
    );
  }
}

describe("ToolSearch", () => {
  const search = searchOver(backends);

  test("finds a tool by its snake_case or camelCase name", () => {
    expect(names(search, "read_file")[0]).toBe("read_file");
    expect(names(search, "readFile")[0]).toBe("read_file");
    expect(names(search, "list-directory")[0]).toBe("list_directory");
  });

  test("ranks a name match above a description-only match", () => {
    expect(names(search, "screenshot")[0]).toBe("browser_screenshot");
  });

  test("corrects typos against words the catalog contains", () => {
    expect(names(search, "screnshot")[0]).toBe("browser_screenshot");
    expect(names(search, "wether")[0]).toBe("get_weather");
  });

  test("does not stretch a known word into a longer one (rain is not rainbow)", () => {
    expect(names(search, "rain tomorrow")).not.toContain("getButtons");
    expect(names(search, "rain tomorrow")[0]).toBe("get_weather");
  });

  test("matches Chinese queries against Chinese descriptions", () => {
    expect(names(search, "微博热搜")[0]).toBe("get-weibo-trending");
  });

  test("expands synonyms across wording and language", () => {
    expect(names(search, "make a new deck")[0]).toBe("create_presentation");
    expect(names(search, "天气预报")[0]).toBe("get_weather");
    expect(names(search, "Datei lesen")[0]).toBe("read_file");
  });

  test("searches parameter names and descriptions", () => {
    expect(names(search, "city")[0]).toBe("get_weather");
  });

  test("returns nothing for stop words or unknown words", () => {
    expect(search.search("please help me with this", 5)).toEqual([]);
    expect(search.search("xq", 5)).toEqual([]);
  });

  test("honours the limit and orders by score", () => {
    const matches = search.search("file directory", 1);
    expect(matches).toHaveLength(1);
    const all = search.search("file directory", 10);
    expectDescending(all);
  });

  test("a pasted blob after the request counts only up to the bound: its first words still find the tool", () => {
    const blob = Array.from({ length: 3000 }, (_, i) => `Zq${i.toString(36)}X`).join(" ");
    expect(names(search, `take a screenshot ${blob}`)[0]).toBe("browser_screenshot");
    // Past 2,000 characters nothing counts, not even a word that would match.
    expect(names(search, `${"x".repeat(2000)} screenshot`)).not.toContain("browser_screenshot");
  });

  test("the top of a ranking does not depend on the limit asked for", () => {
    for (const query of ["file directory", "read file", "weather", "take a screenshot of the page"]) {
      const all = search.search(query, 50);
      for (const limit of [1, 2, 3]) expect(search.search(query, limit)).toEqual(all.slice(0, limit));
    }
  });

  test("rebuilds the index when the catalog version changes, not before", () => {
    const fs = fakeBackend("fs2", "Files", [tool("read_file", "Read a file")]);
    const catalog = fakeCatalog([fs]);
    const local = new ToolSearch(catalog);
    expect(names(local, "delete")).toEqual([]);
    fs.tools = [...fs.tools, tool("delete_file", "Delete a file")];
    expect(names(local, "delete")).toEqual([]);
    catalog.changed();
    expect(names(local, "delete")).toEqual(["delete_file"]);
  });

  test("completes a word the catalog does not contain as a prefix, but only as a last resort", () => {
    expect(names(search, "navig")).toEqual(["browser_navigate"]);
    // "rain" is explained by its synonym weather, so it is not also read as the start of "rainbow".
    expect(names(search, "rain")).toEqual(["get_weather"]);
  });

  test("corrects a typo only to the nearest catalog words", () => {
    // "directry" is one edit from "directory" and two from nothing else useful: no stray matches.
    expect(names(search, "directry")).toEqual(["list_directory"]);
  });

  test("counts a swap of neighbouring letters as one edit", () => {
    expect(names(search, "wetaher")[0]).toBe("get_weather");
    // Two unrelated edits in a short word are too far to correct.
    expect(names(search, "wxathur")).toEqual([]);
  });

  test("finds CJK text among many distinct characters", () => {
    const many = fakeBackend(
      "zh",
      "中文工具",
      Array.from({ length: 300 }, (_, i) =>
        tool(`tool_${i}`, String.fromCodePoint(0x4e00 + i * 3, 0x4e01 + i * 3, 0x4e02 + i * 3)),
      ),
    );
    const local = searchOver([...backends, many]);
    expect(names(local, String.fromCodePoint(0x4e00 + 150 * 3, 0x4e01 + 150 * 3))[0]).toBe("tool_150");
    expect(names(local, "微博热搜")[0]).toBe("get-weibo-trending");
  });

  test("breaks score ties by catalog order", () => {
    const twin = (name: string): FakeBackend =>
      fakeBackend(name, "Utilities", [tool("echo", "Echo a message back.")]);
    const forward = searchOver([twin("alpha"), twin("beta"), twin("gamma")]).search("echo", 3);
    expect(forward.map((m) => m.entry.server)).toEqual(["alpha", "beta", "gamma"]);
    expect(new Set(forward.map((m) => m.score)).size).toBe(1);
    const backward = searchOver([twin("gamma"), twin("beta"), twin("alpha")]).search("echo", 2);
    expect(backward.map((m) => m.entry.server)).toEqual(["gamma", "beta"]);
  });

  test("gives the same ranking for the same query every time", () => {
    const local = searchOver(backends);
    const first = local.search("file directory weather", 10);
    for (let i = 0; i < 3; i++) expect(local.search("file directory weather", 10)).toEqual(first);
  });
});

describe("ToolSearch: tools the query names", () => {
  // Like a catalog imported from the GitHub REST spec: hundreds of gh_repos_* tools that share most words,
  // and the one named gh_repos_get with a long description that dilutes its word score.
  const verbs = ["list", "create", "update", "delete", "get", "check", "add", "remove"];
  const nouns = ["branch", "tag", "webhook", "topic", "collaborator", "release", "deployment", "secret"];
  const github = fakeBackend("github", "GitHub REST API", [
    ...verbs.flatMap((verb) =>
      nouns.flatMap((noun) => [
        tool(`gh_repos_${verb}_${noun}`, `${verb} a ${noun} of a repository (repo).`),
        tool(`gh_repos_${verb}_${noun}s_for_org`, `${verb} the ${noun}s of every repo of an organization.`),
      ]),
    ),
    tool(
      "gh_repos_get",
      "The repository object, with its owner, licence, permissions, default branch, visibility, topics and " +
        "the parent and source when it is a fork; archived and disabled flags; counts of stars, watchers, " +
        "forks and open issues, and the URLs of every related resource of the GitHub API.",
    ),
  ]);
  const painter = fakeBackend("painter", "Drawing canvas", [
    tool("drawing_generateCanvas", "Generate a new drawing canvas."),
    tool("drawing_fillRectangle", "Fill a rectangle on the drawing canvas."),
    tool("drawing_getCanvasPng", "The current drawing canvas as a PNG image."),
    tool("drawing_getCanvasData", "The current pixel data of the drawing canvas."),
  ]);
  const everything = fakeBackend("everything", "Test server", [
    tool("get-sum", "Returns the sum of two numbers", { a: "First number", b: "Second number" }),
  ]);
  const memory = fakeBackend("memory", "Knowledge graph", [
    tool("add_observations", "Add new observations to existing entities", { entityName: "Name" }),
  ]);
  const search = searchOver([github, painter, everything, memory, ...backends]);

  test("ranks the exact tool name first among hundreds that share its words", () => {
    expect(names(search, "gh_repos_get")[0]).toBe("gh_repos_get");
    expect(names(search, "GH-REPOS-GET")[0]).toBe("gh_repos_get");
    expect(names(search, "github/gh_repos_get")[0]).toBe("gh_repos_get");
  });

  test("ranks a tool first by a spelling whose pieces word search cannot split", () => {
    // "getcanvaspng" is no indexed word: word search sees only "drawing", which all four tools share.
    expect(names(search, "drawing_getcanvaspng")[0]).toBe("drawing_getCanvasPng");
    expect(names(search, "painter/drawing_getcanvasdata")[0]).toBe("drawing_getCanvasData");
  });

  test("ranks a server/tool or server__tool query's own server first when names repeat", () => {
    const twins = searchOver([
      fakeBackend("alpha", "Files", [tool("read_file", "Read a file.")]),
      fakeBackend("beta", "Files", [tool("read_file", "Read a file.")]),
    ]);
    expect(twins.search("beta/read_file", 2).map((m) => m.entry.server)).toEqual(["beta", "alpha"]);
    expect(twins.search("beta__read_file", 2).map((m) => m.entry.server)).toEqual(["beta", "alpha"]);
  });

  test("ranks an identifier's completions right after it", () => {
    const found = names(search, "gh_repos_delete_web", 3);
    expect(found.slice(0, 2).sort()).toEqual(["gh_repos_delete_webhook", "gh_repos_delete_webhooks_for_org"]);
    expect(names(search, "get_sum")[0]).toBe("get-sum");
    expect(names(search, "get sum")[0]).toBe("get-sum");
  });

  test("puts exact names above prefixes and keeps scores descending", () => {
    const matches = search.search("gh_repos_get", 50);
    expect(matches[0]?.entry.tool.name).toBe("gh_repos_get");
    const second = matches[1]?.entry.tool.name ?? "";
    expect(second.startsWith("gh_repos_get_")).toBe(true);
    expectDescending(matches);
  });

  test("leaves word search alone when the query names no tool", () => {
    const plain = searchOver([everything, memory, ...backends]);
    expect(search.search("rain tomorrow", 3).map((m) => m.entry.tool.name)).toEqual(
      plain.search("rain tomorrow", 3).map((m) => m.entry.tool.name),
    );
  });

  test("finds a named tool even when no word of the query is indexed", () => {
    const local = searchOver([fakeBackend("x", "", [tool("do_it", "")])]);
    expect(names(local, "do_it")).toEqual(["do_it"]);
  });

  test("follows catalog changes for names too", () => {
    const fs = fakeBackend("fs3", "Files", [tool("read_file", "Read a file")]);
    const catalog = fakeCatalog([fs]);
    const local = new ToolSearch(catalog);
    expect(names(local, "zap_cache_now")).toEqual([]);
    fs.tools = [...fs.tools, tool("zap_cache_now", "Empty the cache")];
    catalog.changed();
    expect(names(local, "zap_cache_now")[0]).toBe("zap_cache_now");
  });
});
