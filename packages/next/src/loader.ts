// The webpack / Turbopack loader: compiles app code that uses "use workflow" or
// "use step" in client mode, so `start(fn)` gets a stub that carries the
// workflow's id. Everything else passes through untouched.

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

const DIRECTIVE = /["']use (?:workflow|step)["']/;
const NODE_MODULES = /[\\/]node_modules[\\/]/;

/** Webpack-style loader: `(source, map) => code` through `this.async()`. */
export default function workflowLoader(this: LoaderContext, source: string, map?: unknown): void {
  const callback = this.async();
  if (!DIRECTIVE.test(source) || NODE_MODULES.test(this.resourcePath)) {
    callback(null, source, map);
    return;
  }
  const { root, runtimeModule } = this.getOptions();
  import("@wfkit/compiler").then(
    ({ diagnosticDocsUrl, transform }) => {
      const result = transform(source, { filename: this.resourcePath, mode: "client", root, runtimeModule });
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      for (const d of result.diagnostics) {
        if (d.severity === "error") continue;
        this.emitWarning(
          new Error(`${d.code}: ${d.message} (${this.resourcePath}:${d.loc.line}:${d.loc.column})`),
        );
      }
      if (errors.length > 0) {
        const text = errors.map(
          (d) =>
            `${this.resourcePath}:${d.loc.line}:${d.loc.column}: ${d.code}: ${d.message}${d.hint ? `\n  Fix: ${d.hint}` : ""}\n  See: ${diagnosticDocsUrl(d.code)}`,
        );
        callback(new Error(`The workflow compiler rejected this file:\n${text.join("\n")}`));
        return;
      }
      callback(null, result.code, result.map ?? map);
    },
    (error: unknown) => callback(error as Error),
  );
}
