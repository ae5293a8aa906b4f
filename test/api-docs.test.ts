// The API reference (TypeDoc, `npm run docs:api`) builds from the TSDoc of the
// public entry points, and every function, class, interface, type and
// accessor that workflow, workflow/api, workflow/next and workflow/vite(/server)
// export is documented (typedoc.check.json makes a missing comment an error).
import { fileURLToPath } from "node:url";
import { runChild } from "@wfkit/testing-kit";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const typedoc = fileURLToPath(new URL("../node_modules/typedoc/bin/typedoc", import.meta.url));

describe("the API reference", () => {
  it("builds without warnings, with every public export of the main entry points documented", async () => {
    const result = await runChild([typedoc, "--options", "typedoc.check.json"], {
      cwd: root,
      env: { NO_COLOR: "1" },
      name: "typedoc",
    });
    expect(result.stdout + result.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(result.code).toBe(0);
  }, 180_000);
});
