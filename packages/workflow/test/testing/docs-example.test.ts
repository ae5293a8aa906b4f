// docs/testing.md's first example is what onboarding.test.ts runs: the page's two code
// blocks equal the workflow file and the test file, but for the files' own comments.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const here = import.meta.dirname;
const page = readFileSync(path.join(here, "..", "..", "..", "..", "docs", "testing.md"), "utf8");

/** The file without its comment lines (`//`, and `/** ... *\/` on one line). */
const code = (file: string) =>
  readFileSync(path.join(here, file), "utf8")
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\/\*\*.*\*\/\s*$)/.test(line))
    .join("\n");

it("shows the workflow and the test that onboarding.test.ts runs", () => {
  const section = page.slice(page.indexOf("## A first test"), page.indexOf("## Settled, then asserted"));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks).toHaveLength(2);
  expect(blocks[0]).toBe(code("workflows/onboarding.ts"));
  expect(blocks[1]).toBe(code("onboarding.test.ts"));
});
