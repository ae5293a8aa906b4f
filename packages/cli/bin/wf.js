#!/usr/bin/env node
// The `wf` command. This file is committed, not built, so `npm install` links
// the bin whatever the build order; the command itself lives in dist/, which
// `npm run build` writes (a published @wfkit/cli always has it).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const entry = new URL("../dist/bin.js", import.meta.url);

if (existsSync(fileURLToPath(entry))) {
  await import(entry.href);
} else {
  // Only a source checkout gets here: the page is the repository's own, two folders up.
  const page = fileURLToPath(new URL("../../../docs/errors/WF_CLI_NOT_BUILT.md", import.meta.url));
  console.error(
    [
      `WF_CLI_NOT_BUILT: The wf command is not built: ${fileURLToPath(entry)} is missing.`,
      "  Fix: Run `npm run build` at the root of the wfkit repository, then run the command again.",
      `  See: ${existsSync(page) ? pathToFileURL(page).href : "@wfkit/core/docs/errors/WF_CLI_NOT_BUILT.md"}`,
    ].join("\n"),
  );
  process.exitCode = 1;
}
