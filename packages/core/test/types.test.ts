// Runs tsc over test/types/: the public API's type tests (typed start(), typed durations, sync getRun).
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const here = path.dirname(new URL(import.meta.url).pathname);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

it("type-checks the public API's type tests (every @ts-expect-error is an error)", async () => {
  const result = await promisify(execFile)(process.execPath, [
    tsc,
    "-p",
    path.join(here, "types/tsconfig.json"),
  ]).then(
    () => ({ code: 0, stdout: "" }),
    (error: { code: number; stdout: string }) => error,
  );
  expect(result.stdout).toBe("");
  expect(result.code).toBe(0);
});
