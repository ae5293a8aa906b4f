// The client-mode compile both bundler integrations run (the Next loader, the
// Vite plugin): app code that imports a workflow gets a stub `start()` accepts.
import type { Diagnostic, Manifest, SourceMap } from "@wfkit/compiler";
import { formatDiagnostic } from "@wfkit/compiler/format";
import { NODE_MODULES } from "../app/discover.js";

export interface ClientTransformOptions {
  /** Absolute path of the file. */
  filename: string;
  /** The app root: ids are relative to it and must match the runtime's. */
  root: string;
  /** The module compiled code imports. Default: `"workflow/internal"`. */
  runtimeModule?: string;
}

export interface ClientTransformResult {
  code: string;
  /** Null when the file was left as it was. */
  map: SourceMap | null;
  manifest: Manifest;
  /** Diagnostics of severity "error": the file must not be used. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Every error as one message (each formatted by `formatDiagnostic`), or undefined without errors. */
  errorMessage: string | undefined;
}

/**
 * Compiles one app file in client mode. Returns undefined for files in
 * `node_modules` (never compiled). The compiler is loaded on the first call,
 * so hosts that never meet a directive never load Babel.
 */
export async function clientTransform(
  source: string,
  options: ClientTransformOptions,
): Promise<ClientTransformResult | undefined> {
  if (NODE_MODULES.test(options.filename)) return undefined;
  const { transform } = await import("@wfkit/compiler");
  const result = transform(source, {
    filename: options.filename,
    mode: "client",
    root: options.root,
    runtimeModule: options.runtimeModule,
  });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  return {
    code: result.code,
    map: result.map,
    manifest: result.manifest,
    errors,
    warnings: result.diagnostics.filter((d) => d.severity !== "error"),
    errorMessage: errors.length
      ? `The workflow compiler rejected ${options.filename}:\n${errors.map(formatDiagnostic).join("\n")}`
      : undefined,
  };
}
