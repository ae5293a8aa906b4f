// The webpack / Turbopack loader: compiles app code that uses "use workflow" or
// "use step" in client mode, so `start(fn)` gets a stub that carries the
// workflow's id. Everything else passes through untouched.
import { clientTransform } from "@wfkit/builder/client";
import { CLIENT_COMPILED, NODE_MODULES } from "@wfkit/builder/discover";
import { formatDiagnostic } from "@wfkit/compiler/format";

/** Options the bundler hands the loader (plain JSON, as Turbopack requires). */
export interface LoaderOptions {
  /** The app root: ids are relative to it, and must match the runtime's. */
  root: string;
  /** The module compiled code imports (`"workflow/internal"`). */
  runtimeModule?: string;
}

/** The part of webpack's loader context used here (Turbopack implements the same subset). */
interface LoaderContext {
  resourcePath: string;
  getOptions(): LoaderOptions;
  async(): (error: Error | null, code?: string, map?: unknown) => void;
  emitWarning(warning: Error): void;
}

/** Webpack-style loader: `(source, map) => code` through `this.async()`. */
export default function workflowLoader(this: LoaderContext, source: string, map?: unknown): void {
  const callback = this.async();
  if (!CLIENT_COMPILED.test(source) || NODE_MODULES.test(this.resourcePath)) {
    callback(null, source, map);
    return;
  }
  const { root, runtimeModule } = this.getOptions();
  clientTransform(source, { filename: this.resourcePath, root, runtimeModule }).then(
    (result) => {
      if (!result) return callback(null, source, map);
      for (const d of result.warnings) this.emitWarning(new Error(formatDiagnostic(d)));
      if (result.errorMessage) return callback(new Error(result.errorMessage));
      callback(null, result.code, result.map ?? map);
    },
    (error: unknown) => callback(error as Error),
  );
}
