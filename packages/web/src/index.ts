// @wfkit/web: the web UI, prebuilt by Vite into dist/ui/ (index.html and
// assets/). Servers read the files from here; the UI itself talks only to
// the inspect route over HTTP.
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of the prebuilt web UI: `index.html` and `assets/`. The same
 * path from the sources and from `dist/`, so tests and installed packages
 * serve the same build.
 */
// A path join rather than `new URL("../dist/ui/", import.meta.url)`: bundlers (Turbopack) read that
// pattern as an asset to emit, and a folder is not one.
export const webRoot: string = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "ui");

/** Where the UI calls the inspect route unless the page says otherwise (`<meta name="wfkit-inspect">`). */
export const DEFAULT_INSPECT_PATH = "/.well-known/workflow/v1/inspect/";
