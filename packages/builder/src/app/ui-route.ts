// The web UI's static files (prebuilt in @wfkit/web), served by the app
// server under /.well-known/workflow/v1/ui/, and by `wf dev` and `wf ui` at /.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errorResponse } from "@wfkit/core";
import { webRoot } from "@wfkit/web";
import { ROUTE_PREFIX } from "./routes.js";

/** Where the app server serves the web UI (behind the inspect option). */
export const UI_PATH = `${ROUTE_PREFIX}ui/`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export function isUiPath(pathname: string): boolean {
  return pathname.startsWith(UI_PATH) || pathname === UI_PATH.slice(0, -1);
}

/**
 * Answers a GET for the web UI mounted at `mount` (ends with `/`): the page at
 * the mount itself, hashed files under `assets/`, `undefined` for other paths
 * (not the UI's). Asset names come from Vite's build only, so no path reaches
 * outside the UI's folder.
 */
export async function serveUi(request: Request, mount: string): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (request.method !== "GET" && request.method !== "HEAD") return undefined;
  // With or without the trailing slash: Next.js, say, redirects `/ui/` to `/ui`.
  const bare = mount !== "/" && pathname === mount.slice(0, -1);
  if (!bare && !pathname.startsWith(mount)) return undefined;
  const rest = bare ? "" : pathname.slice(mount.length);
  const file = rest === "" || rest === "index.html" ? "index.html" : rest;
  if (file !== "index.html" && !/^assets\/[\w.-]+$/.test(file)) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(webRoot, file));
  } catch {
    if (file !== "index.html") return undefined;
    return errorResponse(
      503,
      "WF_UI_NOT_BUILT",
      `The web UI's files are missing: there is no ${path.join(webRoot, "index.html")}.`,
      "In the wfkit repository run `npm run build`; in an app, reinstall the packages.",
    );
  }
  const type = TYPES[path.extname(file)] ?? "application/octet-stream";
  // The page names its assets from the mount, so they load whatever the page's own URL.
  const body =
    file === "index.html"
      ? bytes.toString("utf8").replaceAll('"./assets/', `"${mount}assets/`)
      : new Uint8Array(bytes);
  return new Response(body, {
    headers: {
      "content-type": type,
      // Assets are named by content hash; the page is not.
      "cache-control": file === "index.html" ? "no-cache" : "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    },
  });
}
