import { codeFrameColumns } from "@babel/code-frame";
import type { Diagnostic } from "../types.js";
import { locOf } from "../util/text.js";
import { type DiagnosticCode, SEVERITY } from "./codes.js";

/**
 * Collects diagnostics for one file. Passes report and carry on, so a file
 * with three mistakes shows all three at once; nothing here throws.
 */
export class DiagnosticCollector {
  readonly list: Diagnostic[] = [];
  private seen = new Set<string>();

  constructor(
    private readonly code: string,
    private readonly file: string,
    private readonly lineStarts: () => number[],
  ) {}

  /** Reports `code` at the original offset `pos`. The same code at the same place is reported once. */
  report(code: DiagnosticCode, pos: number, message: string, hint: string): void {
    this.reportAt(code, locOf(this.lineStarts(), pos), message, hint);
  }

  /** Reports at an explicit 1-based line / 0-based column. */
  reportAt(code: DiagnosticCode, loc: { line: number; column: number }, message: string, hint: string): void {
    const key = `${code}:${loc.line}:${loc.column}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const codeFrame = codeFrameColumns(
      this.code,
      { start: { line: loc.line, column: loc.column + 1 } },
      { highlightCode: false, forceColor: false, linesAbove: 2, linesBelow: 2 },
    );
    this.list.push({ code, severity: SEVERITY[code], message, hint, loc, file: this.file, codeFrame });
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }

  /** Diagnostics in source order, which is the order a reader fixes them in. */
  sorted(): Diagnostic[] {
    return [...this.list].sort((a, b) => a.loc.line - b.loc.line || a.loc.column - b.loc.column);
  }
}
