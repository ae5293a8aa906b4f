// Where core's realm entry files are on disk, for the builder (@wfkit/builder),
// which bundles them into workflow and step code. Plain paths: importing this
// module loads no toolchain.
import path from "node:path";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const here = path.dirname(self);
const ext = path.extname(self); // ".ts" when run from src (tests), ".js" when built
const entry = (rel: string) => path.join(here, `${rel}${ext}`);

/** Absolute paths of the core files a workflow or step bundle includes. */
export interface CoreBundleEntries {
  /** The folder these files are in (with a trailing separator): files under it are never compiled. */
  dir: string;
  /** The sandbox bootstrap: the first module of every workflow bundle. */
  sandbox: string;
  /** What `workflow` resolves to in bundles: the realm-neutral user API. */
  workflow: string;
  /** What `workflow/internal` (the compiled-output contract) resolves to in bundles. */
  internal: string;
  /** What `workflow/api` resolves to in step bundles. */
  api: string;
}

export const coreBundleEntries: CoreBundleEntries = {
  dir: here + path.sep,
  sandbox: entry("sandbox/bootstrap"),
  workflow: entry("workflow/index"),
  internal: entry("workflow/internal"),
  api: entry("api/index"),
};
