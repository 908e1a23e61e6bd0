import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { PAGE_MODULE, renderPageModule } from "../../src/dashboard/page-generate.ts";

test("page.generated.ts is the current build of src/dashboard/page (else: bun src/dashboard/page-generate.ts)", async () => {
  expect(readFileSync(PAGE_MODULE, "utf8")).toBe(await renderPageModule());
});
