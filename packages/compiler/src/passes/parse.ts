import { type ParserPlugin, parse } from "@babel/parser";
import type { CompilerContext } from "../context.js";
import { DiagnosticCodes } from "../diagnostics/codes.js";

/** Parser plugins for a file name: `.ts` files must not enable JSX, or `<T>(x) => x` stops parsing. */
export function parserPlugins(filename: string): ParserPlugin[] {
  const ext = /\.([cm]?[jt]sx?)$/i.exec(filename)?.[1]?.toLowerCase() ?? "tsx";
  const plugins: ParserPlugin[] = ["decorators-legacy", "explicitResourceManagement"];
  if (ext.includes("t")) plugins.push("typescript");
  if (ext.endsWith("x") || ext === "js" || ext === "mjs" || ext === "cjs") plugins.push("jsx");
  return plugins;
}

/**
 * Pass 1: parse TypeScript/JSX once. Recoverable syntax errors become
 * `WF_C000_PARSE_ERROR` diagnostics and compilation continues; a fatal one
 * leaves `ctx.ast` null and the file is returned unchanged.
 */
export function parsePass(ctx: CompilerContext): void {
  try {
    const ast = parse(ctx.code, {
      sourceType: "module",
      plugins: parserPlugins(ctx.options.filename),
      errorRecovery: true,
      // Edits are spliced into the original text, so comments never need attaching.
      attachComment: false,
    });
    for (const err of ast.errors ?? []) reportParseError(ctx, err as unknown as ParseErrorLike);
    ctx.ast = ast;
  } catch (err) {
    reportParseError(ctx, err as ParseErrorLike);
    ctx.ast = null;
  }
}

interface ParseErrorLike {
  message: string;
  loc?: { line: number; column: number };
  reasonCode?: string;
}

function reportParseError(ctx: CompilerContext, err: ParseErrorLike): void {
  const loc = err.loc ?? { line: 1, column: 0 };
  // Babel appends "(line:column)" to its messages; the diagnostic carries loc separately.
  const message = err.message.replace(/\s*\(\d+:\d+\)$/, "");
  ctx.diagnostics.reportAt(
    DiagnosticCodes.PARSE_ERROR,
    { line: loc.line, column: loc.column },
    `Syntax error: ${message}.`,
    "Fix the syntax error; the workflow compiler cannot transform a file it cannot parse.",
  );
}
